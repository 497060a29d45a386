"""FDA's work list: what needs doing next in the program."""
