"""tlsviz.keys"""
