print("swrr-dap: not yet")
