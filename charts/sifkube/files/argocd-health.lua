-- Argo CD health of Sifkube's SifRun and SifImage, from the kstatus conditions the operator
-- writes: Suspended -> Suspended, Stalled -> Degraded, Ready -> Healthy, else Progressing.
local hs = { status = "Progressing", message = "waiting for the Sifkube operator" }
if obj.status == nil then
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  hs.message = "the operator has not seen generation " .. generation .. " yet"
  return hs
end
local conditions = {}
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    conditions[c.type] = c
  end
end
local function holds(name)
  return conditions[name] ~= nil and conditions[name].status == "True"
end
local function say(c)
  local text = c.reason or ""
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end
if holds("Suspended") then
  hs.status = "Suspended"
  hs.message = say(conditions.Suspended)
elseif holds("Stalled") then
  hs.status = "Degraded"
  hs.message = say(conditions.Stalled)
elseif holds("Ready") then
  hs.status = "Healthy"
  hs.message = say(conditions.Ready)
elseif holds("Reconciling") then
  hs.message = say(conditions.Reconciling)
end
return hs
