"""tlsviz.session"""
