print("the source of a script")
