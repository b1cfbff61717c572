"""tlsviz.wire"""
