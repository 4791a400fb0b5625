-- Loads adapter-manifest/nvim-dap.lua (arg[1]) under LuaJIT, the Lua of Neovim, with stand-ins
-- for what it uses of Neovim (vim.env, vim.fn.expand/fnamemodify/input/getcwd) and of nvim-dap
-- (require("dap")), then resolves each configuration as nvim-dap does: every function-valued
-- attribute called once, in the order given by arg[2] ("forward": as listed below, "reverse":
-- the other way; nvim-dap's pairs has no fixed order). vim.fn.input answers $STANDIN_INPUT, or
-- its default when that is unset. Prints one "configuration.attribute=value" line per attribute.
local cwd = os.getenv("STANDIN_CWD") or "/"

local function absolute(path)
  if path:sub(1, 1) ~= "/" then path = cwd .. "/" .. path end
  return path
end

vim = {
  env = setmetatable({}, { __index = function(_, name) return os.getenv(name) end }),
  fn = {
    getcwd = function() return cwd end,
    expand = function(path)
      if path:sub(1, 2) == "~/" then return os.getenv("HOME") .. path:sub(2) end
      return path
    end,
    fnamemodify = function(path, mods)
      if mods == ":p" then return absolute(path) end
      if mods == ":p:h" then return (absolute(path):gsub("/[^/]*$", "")) end
      error("fnamemodify: unexpected modifiers " .. mods)
    end,
    input = function(prompt, default, completion)
      print("input " .. prompt .. "|" .. default .. "|" .. completion)
      return os.getenv("STANDIN_INPUT") or default
    end,
  },
}

local dap = { adapters = {}, configurations = {} }
package.preload["dap"] = function() return dap end
dofile(arg[1])

local adapter = dap.adapters.swrr
print("adapter.type=" .. adapter.type)
print("adapter.command=" .. adapter.command)
for _, filetype in ipairs({ "c", "cpp", "rust" }) do
  print("filetype." .. filetype .. "=" .. #dap.configurations[filetype])
end
local order = { "name", "type", "request", "program", "args", "cwd", "stopOnEntry", "trace" }
if arg[2] == "reverse" then
  local reversed = {}
  for i = #order, 1, -1 do reversed[#reversed + 1] = order[i] end
  order = reversed
end
for i, config in ipairs(dap.configurations.c) do
  local seen = {}
  for _, key in ipairs(order) do
    local value = config[key]
    if type(value) == "function" then value = value() end
    if value ~= nil then seen[key] = value end
  end
  for key in pairs(config) do
    if seen[key] == nil then error("attribute " .. key .. " not resolved") end
  end
  for _, key in ipairs({ "name", "type", "request", "program", "cwd", "stopOnEntry", "trace" }) do
    if seen[key] ~= nil then print(i .. "." .. key .. "=" .. tostring(seen[key])) end
  end
end
