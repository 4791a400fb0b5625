-- nvim-dap configuration for swrr-dap (record-and-replay debugging).
-- Put swrr-dap on your PATH (make build: .build/release/swrr-dap), then load this file from your
-- init.lua, e.g. `dofile("/path/to/swrr/adapter-manifest/nvim-dap.lua")`.
local dap = require("dap")

dap.adapters.swrr = {
  type = "executable",
  command = "swrr-dap",
  name = "swrr",
}

-- Launch attributes (exactly those swrr-dap accepts): program, args, cwd, env, stopOnEntry,
-- trace, record, process, exitedAtEnd. 'program' is recorded first, then debugged; 'trace' debugs
-- an existing recording; 'process' picks the process to debug in a recording of several;
-- 'exitedAtEnd' = false keeps the session at the end of the recording in clients that end it at
-- the exited event (nvim-dap does not: the default, true, is right here).
-- The directory swrr record writes to, as swrr itself picks it: $SWRR_TRACE_DIR if set and not
-- empty, else ~/.local/share/swrr (its latest-trace link names the newest recording).
local function trace_root()
  local dir = vim.env.SWRR_TRACE_DIR
  if dir == nil or dir == "" then
    return vim.fn.expand("~/.local/share/swrr")
  end
  return (vim.fn.fnamemodify(dir, ":p"):gsub("/$", ""))
end

-- nvim-dap calls each function-valued attribute once per launch, in no fixed order (it maps over
-- the configuration with pairs): 'program' and 'cwd' share one answer, asked by whichever comes
-- first and taken by the other. A path is made absolute (the program then runs in its own
-- directory); a bare name is looked up in PATH by swrr-dap.
local asked
local function program_once()
  if asked ~= nil then
    local program = asked
    asked = nil
    return program
  end
  local program = vim.fn.input("Program: ", vim.fn.getcwd() .. "/", "file")
  if program:find("/", 1, true) then
    program = vim.fn.fnamemodify(program, ":p")
  end
  asked = program
  return program
end

local configurations = {
  {
    name = "swrr: record and debug",
    type = "swrr",
    request = "launch",
    program = program_once,
    args = {},
    -- The program's directory (the working directory a program expects), not the editor's.
    cwd = function()
      local program = program_once()
      if not program:find("/", 1, true) then
        return vim.fn.getcwd()
      end
      return vim.fn.fnamemodify(program, ":p:h")
    end,
    stopOnEntry = false,
  },
  {
    name = "swrr: debug a recording",
    type = "swrr",
    request = "launch",
    trace = function()
      return vim.fn.input("Trace directory: ", trace_root() .. "/latest-trace", "dir")
    end,
  },
}

dap.configurations.c = configurations
dap.configurations.cpp = configurations
dap.configurations.rust = configurations
