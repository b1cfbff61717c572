"""tlsviz.lessons"""
