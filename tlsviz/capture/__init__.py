"""tlsviz.capture"""
