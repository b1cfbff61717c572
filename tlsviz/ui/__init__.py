"""tlsviz.ui"""
