print("Welcome to the simulator 1.0")
