print("swrr")
