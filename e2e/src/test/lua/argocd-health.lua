-- Runs an Argo CD health script on an object as Argo CD does (a global obj, the script's return
-- value), printing "STATUS<TAB>MESSAGE". Usage: lua5.1 argocd-health.lua SCRIPT OBJECT.json
local cjson = require("cjson")

-- Argo CD hands Lua a table without JSON nulls: drop them, as it does.
local function strip(v)
  if v == cjson.null then
    return nil
  end
  if type(v) == "table" then
    local out = {}
    for k, x in pairs(v) do
      out[k] = strip(x)
    end
    return out
  end
  return v
end

local file = assert(io.open(arg[2], "r"))
obj = strip(cjson.decode(file:read("*a")))
file:close()
local script = assert(loadfile(arg[1]))
local hs = script()
print(hs.status .. "\t" .. (hs.message or ""))
