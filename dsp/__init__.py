"""specscope's numerical core: pure numpy and scipy, no Qt, no audio I/O.

Thread: any; nothing here keeps global state.
"""
