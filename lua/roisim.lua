-- roisim.lua - the scenario language.
--
-- Runs only while a scenario file loads: it records the declarations and
-- assignments of the file (and of the scenarios it extends), checks them against
-- one schema (built from the engine's parameter table), names every uncertain
-- input, and resolves everything into a flat description (a list of expression
-- nodes and the declarations; docs/architecture.md, "Parameters: one table") that
-- lua/convert.c turns into an engine model. Nothing here runs per trial.
--
-- Loaded by lua/scenario.c as the chunk "=[roisim]" with two arguments: the host
-- table (host.read(path [, folder]) -> text, id or nil, message; host.resolve(from,
-- name) -> path, folder or nil, message; host.suggest(word, names) -> the nearest name or nil;
-- host.print, host.pcall, host.xpcall) and the parameter table (SCHEMA, below).
-- Returns the module table M (M.load).

local host, SCHEMA = ...
local M = {}

local fmt, concat, sort = string.format, table.concat, table.sort
-- The library's own patterns call these directly: string methods ("x"):match(...)
-- go through the scenarios' guarded view (below).
local str_find, str_match, str_gmatch, str_gsub = string.find, string.match, string.gmatch, string.gsub
local getinfo = debug.getinfo
local type, pairs, ipairs, tostring, select = type, pairs, ipairs, tostring, select
local setmetatable, getmetatable, next = setmetatable, getmetatable, next
local error, load, math_type = error, load, math.type

local LIBRARY_SOURCE = "=[roisim]"

-- ==== locations and errors ==========================================================

local loading_file                                -- the file whose code runs, or nil

-- The "file:line" of the innermost stack frame that belongs to a scenario file (not
-- to this library), so that messages blame the author's line; the file alone when no
-- frame shows it (a tail call, the resolution after the files ran).
local function author_loc()
  for level = 2, 40 do
    local info = getinfo(level, "Sl")
    if not info then break end
    if info.source ~= LIBRARY_SOURCE and info.source:sub(1, 1) == "@" and info.currentline > 0 then
      return info.source:sub(2) .. ":" .. info.currentline
    end
    if info.source:sub(1, 1) == "=" and info.source ~= LIBRARY_SOURCE and info.source ~= "=[C]" then
      return info.source:sub(2)   -- e.g. "--set"
    end
  end
  return loading_file or "?"
end

-- Raises `msg` at the author's line (or at `loc` when given). Level 0: the location
-- is already in the message.
local function fail(msg, loc)
  error((loc or author_loc()) .. ": " .. msg, 0)
end

-- "; did you mean 'x'?" for the nearest of `candidates` (a list), or "". The rule
-- (edit distance, ties by name, how near is near enough) is engine/suggest.c's, the
-- same for C's messages.
local function suggest(word, candidates)
  local best = host.suggest(word, candidates)
  if best then return fmt("; did you mean '%s'?", best) end
  return ""
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) == "number"
  end)
  return keys
end

local function num_str(x)
  if math_type(x) == "integer" then return tostring(x) end
  return fmt("%.10g", x)
end

-- ==== uncertain values (expressions) ================================================

-- An uncertain value is an empty proxy table; its fields live in VDATA, out of the
-- scenario's reach. Scenario code can call its methods and read its plain fields
-- (op, family, operands: strings, numbers and other values, all immutable), but can
-- neither change a field nor reach a table inside (a distribution's args): what the
-- library checked when it built the value is what the conversion reads.
local Value = {}                                 -- methods of uncertain values
local VDATA = {}                                 -- proxy -> its fields (private)
local VMT = { __name = "roi.Value" }

local function is_value(v) return VDATA[v] ~= nil end
local function new_value(t)
  t.loc = t.loc or author_loc()
  local p = setmetatable({}, VMT)
  VDATA[p] = t
  return p
end
VMT.__index = function(p, k)
  local m = Value[k]
  if m ~= nil then return m end
  local x = VDATA[p][k]
  if type(x) == "table" and not is_value(x) then return nil end
  return x
end
VMT.__len = function(p) return #VDATA[p] end

local function check_operand(v, what)
  if type(v) == "number" or is_value(v) then return v end
  fail(fmt("%s: expected a number or an uncertain value, got %s", what, type(v)))
end

local function binop(op)
  return function(a, b)
    check_operand(a, "'" .. op .. "'"); check_operand(b, "'" .. op .. "'")
    return new_value { op = op, a, b }
  end
end

VMT.__add, VMT.__sub, VMT.__mul, VMT.__div, VMT.__pow =
  binop("+"), binop("-"), binop("*"), binop("/"), binop("^")
VMT.__unm = function(a) return new_value { op = "neg", a } end
VMT.__lt = function()
  fail("an uncertain value cannot be compared with < or > in Lua; write x:below(60) or x:above(60)")
end
VMT.__le = function()
  fail("an uncertain value cannot be compared with <= or >= in Lua; write x:at_most(60) or x:at_least(60)")
end
VMT.__concat = function()
  fail("an uncertain value cannot be joined to a string with ..; use tostring(x)")
end
VMT.__idiv = function() fail("// is not supported on uncertain values; use floor division in the engine via discrete values") end
VMT.__mod = function() fail("% is not supported on uncertain values") end
VMT.__newindex = function(_, k)
  fail(fmt("an uncertain value cannot be changed (field '%s'); build a new one, e.g. "
    .. "x = normal(60, 2) or x = x + 1", tostring(k)))
end

local describe                                    -- forward

VMT.__tostring = function(v) return describe(v) end

-- Distribution constructor helper: records the family, its parameters as written,
-- and the author's line.
local function dist(family, args, form)
  return new_value { op = "dist", family = family, args = args, form = form }
end

-- "nan", "inf" or "-inf" for a number that is not finite, else nil.
local function not_finite(v)
  if type(v) ~= "number" then return nil end
  if v ~= v then return "nan" end
  if v == math.huge then return "inf" end
  if v == -math.huge then return "-inf" end
  return nil
end

local function need(fname, i, v, pname)
  if v == nil then fail(fmt("%s: parameter %d (%s) is missing", fname, i, pname)) end
  if type(v) ~= "number" and not is_value(v) then
    fail(fmt("%s: %s must be a number, got %s", fname, pname, type(v)))
  end
  local bad = not_finite(v)
  if bad then fail(fmt("%s: %s must be a finite number, got %s", fname, pname, bad)) end
  return v
end

-- Text a scenario gives as a name or title reaches terminals and reports: it may not
-- hold control characters (escape sequences, carriage returns; C1 controls), nor, in
-- a name or title, a line break (`multiline`: a description may have tabs and line
-- breaks). Raises at loc (or the author's line).
local function check_text(what, s, loc, multiline)
  local bad = multiline and str_find(s, "[%z\1-\8\11-\31\127]") or (not multiline and str_find(s, "[%c\127]"))
  local c1 = str_find(s, "\194[\128-\159]")
  local at = bad and c1 and math.min(bad, c1) or bad or c1
  if at then
    fail(fmt("%s holds a control character (byte %d at position %d); names and titles are "
      .. "shown on terminals and in reports, so they may not", what, s:byte(at), at), loc)
  end
  return s
end

local function no_extra(fname, n, max)
  if n > max then fail(fmt("%s takes %d parameters, got %d", fname, max, n)) end
end

local lib = {}        -- what scenario files see, besides their own names

function lib.normal(mean, sd, ...)
  no_extra("normal", 2 + select("#", ...), 2)
  return dist("normal", { need("normal", 1, mean, "mean"), need("normal", 2, sd, "sd") })
end

function lib.uniform(low, high, ...)
  no_extra("uniform", 2 + select("#", ...), 2)
  return dist("uniform", { need("uniform", 1, low, "low"), need("uniform", 2, high, "high") })
end

function lib.triangular(min, mode, max, ...)
  no_extra("triangular", 3 + select("#", ...), 3)
  return dist("triangular", { need("triangular", 1, min, "min"),
    need("triangular", 2, mode, "mode"), need("triangular", 3, max, "max") })
end

function lib.pert(min, mode, max, ...)
  no_extra("pert", 3 + select("#", ...), 3)
  return dist("pert", { need("pert", 1, min, "min"), need("pert", 2, mode, "mode"),
    need("pert", 3, max, "max") })
end

function lib.beta(a, b, low, high, ...)
  no_extra("beta", 4 + select("#", ...), 4)
  need("beta", 1, a, "a"); need("beta", 2, b, "b")
  if (low == nil) ~= (high == nil) then
    fail("beta: give both low and high to scale it, or neither")
  end
  if low ~= nil then
    return dist("beta", { a, b, need("beta", 3, low, "low"), need("beta", 4, high, "high") })
  end
  return dist("beta", { a, b })
end

function lib.bernoulli(p, ...)
  no_extra("bernoulli", 1 + select("#", ...), 1)
  return dist("bernoulli", { need("bernoulli", 1, p, "p") })
end

function lib.lognormal(spec, ...)
  if type(spec) ~= "table" or is_value(spec) or select("#", ...) > 0 then
    fail("lognormal takes a table: lognormal{p5 = ..., p95 = ...} or lognormal{mean = ..., sd = ...}")
  end
  for k in pairs(spec) do
    if k ~= "p5" and k ~= "p95" and k ~= "mean" and k ~= "sd" then
      fail(fmt("lognormal has no parameter '%s'%s", tostring(k),
        suggest(tostring(k), { "p5", "p95", "mean", "sd" })))
    end
  end
  if spec.p5 ~= nil or spec.p95 ~= nil then
    if spec.mean ~= nil or spec.sd ~= nil then
      fail("lognormal: give either {p5, p95} or {mean, sd}, not both")
    end
    return dist("lognormal", { need("lognormal", 1, spec.p5, "p5"),
      need("lognormal", 2, spec.p95, "p95") }, "p5p95")
  end
  return dist("lognormal", { need("lognormal", 1, spec.mean, "mean"),
    need("lognormal", 2, spec.sd, "sd") }, "meansd")
end

-- gamma{shape = k, scale = theta} and weibull{shape = k, scale = lambda}: the form
-- `roisim fit` prints.
local function shape_scale(family, spec, ...)
  if type(spec) ~= "table" or is_value(spec) or select("#", ...) > 0 then
    fail(fmt("%s takes a table: %s{shape = ..., scale = ...}", family, family))
  end
  for k in pairs(spec) do
    if k ~= "shape" and k ~= "scale" then
      fail(fmt("%s has no parameter '%s'%s", family, tostring(k),
        suggest(tostring(k), { "shape", "scale" })))
    end
  end
  return dist(family, { need(family, 1, spec.shape, "shape"), need(family, 2, spec.scale, "scale") },
    "shapescale")
end

function lib.gamma(spec, ...) return shape_scale("gamma", spec, ...) end
function lib.weibull(spec, ...) return shape_scale("weibull", spec, ...) end

-- sipmath{ library = "costs.json", sip = "cloud_cost" }: a SIP of a SIPmath 3.0
-- library in the scenario's folder, on the library's own HDR stream (lua/sipmath.c
-- reads and checks the file).
function lib.sipmath(spec, ...)
  if type(spec) ~= "table" or is_value(spec) or select("#", ...) > 0 then
    fail('sipmath takes a table: sipmath{ library = "file.json", sip = "name" }')
  end
  for k in pairs(spec) do
    if k ~= "library" and k ~= "sip" then
      fail(fmt("sipmath has no parameter '%s'%s", tostring(k), suggest(tostring(k), { "library", "sip" })))
    end
  end
  for _, k in ipairs({ "library", "sip" }) do
    if type(spec[k]) ~= "string" or spec[k] == "" then
      fail(fmt("sipmath: %s must be a non-empty string, got %s", k, type(spec[k])))
    end
  end
  return dist("sipmath", { library = spec.library, sip = spec.sip })
end

function lib.discrete(spec, ...)
  if type(spec) ~= "table" or is_value(spec) or select("#", ...) > 0 then
    fail("discrete takes a table of value = probability: discrete{[0] = .45, [1] = .35, [2] = .20}")
  end
  local values, probs = {}, {}
  for _, k in ipairs(sorted_keys(spec)) do
    if type(k) ~= "number" then
      fail(fmt("discrete: outcome %s must be a number; write [%s] = probability", tostring(k), tostring(k)))
    end
    local p = spec[k]
    if type(p) ~= "number" then
      fail(fmt("discrete: the probability of %s must be a number, got %s", num_str(k), type(p)))
    end
    values[#values + 1], probs[#probs + 1] = k, p
  end
  if #values == 0 then fail("discrete needs at least one outcome") end
  return dist("discrete", { values = values, probs = probs })
end

function lib.fixed(v, ...)
  no_extra("fixed", 1 + select("#", ...), 1)
  return need("fixed", 1, v, "value")
end

local function condition_arg(c, fname)
  if type(c) == "boolean" then
    fail(fmt("%s: the condition is a plain true/false, fixed when the file loads; "
      .. "use an uncertain value (e.g. moat) or a condition such as x:at_least(60)", fname))
  end
  return check_operand(c, fname)
end

-- choose(condition, then, else): `then` in the trials where condition is nonzero.
function lib.choose(c, a, b, ...)
  no_extra("choose", 3 + select("#", ...), 3)
  condition_arg(c, "choose")
  if a == nil or b == nil then fail("choose needs a condition, a value if true and a value if false") end
  check_operand(a, "choose"); check_operand(b, "choose")
  return new_value { op = "choose", c, a, b }
end

-- min(a, b) and max(a, b): folded now for two numbers, else an expression.
local function extremum(op, fold)
  return function(a, b, ...)
    no_extra(op, 2 + select("#", ...), 2)
    check_operand(a, op); check_operand(b, op)
    if type(a) == "number" and type(b) == "number" then return fold(a, b) end
    return new_value { op = op, a, b }
  end
end
lib.min, lib.max = extremum("min", math.min), extremum("max", math.max)

-- Conditions combine with all_of / any_of / none_of (Lua's and/or/not cannot be
-- redefined for uncertain values).
-- all_of(c1, c2, ...) and any_of(c1, c2, ...): two or more conditions, joined left to right.
local function join(fname, op)
  return function(a, b, ...)
    local v = new_value { op = op, condition_arg(a, fname), condition_arg(b, fname) }
    for i = 1, select("#", ...) do
      v = new_value { op = op, v, condition_arg(select(i, ...), fname) }
    end
    return v
  end
end
lib.all_of, lib.any_of = join("all_of", "and"), join("any_of", "or")

function lib.none_of(a, ...)
  no_extra("none_of", 1 + select("#", ...), 1)
  return new_value { op = "not", condition_arg(a, "none_of") }
end

local function cmp(op)
  return function(self, x)
    check_operand(self, op); check_operand(x, op)
    return new_value { op = op, self, x }
  end
end
Value.at_least, Value.at_most = cmp(">="), cmp("<=")
Value.above, Value.below = cmp(">"), cmp("<")
Value.is, Value.is_not = cmp("=="), cmp("~=")

-- x:truncate{low = a, high = b}: the distribution conditioned on [a, b] (values
-- outside are redrawn). Only for a distribution itself.
function Value:truncate(bounds)
  local data = VDATA[self]
  if not data or data.op ~= "dist" then
    fail("truncate applies to a distribution such as normal(62, 1.5), not to an expression; "
      .. "use clamp(x, low, high) to pile values at the bounds")
  end
  if type(bounds) ~= "table" or is_value(bounds) then
    fail("truncate takes a table: x:truncate{low = 60} or x:truncate{low = 0, high = 1}")
  end
  for k in pairs(bounds) do
    if k ~= "low" and k ~= "high" then
      fail(fmt("truncate has no bound '%s'%s", tostring(k), suggest(tostring(k), { "low", "high" })))
    end
  end
  if bounds.low == nil and bounds.high == nil then fail("truncate needs low, high or both") end
  local copy = {}
  for k, v in pairs(data) do copy[k] = v end
  copy.loc = author_loc()
  copy.low = bounds.low ~= nil and need("truncate", 1, bounds.low, "low") or data.low
  copy.high = bounds.high ~= nil and need("truncate", 2, bounds.high, "high") or data.high
  copy.name = nil
  return new_value(copy)
end

-- clamp(x, low, high): values outside [low, high] are set to the bound.
function lib.clamp(x, low, high, ...)
  no_extra("clamp", 3 + select("#", ...), 3)
  check_operand(x, "clamp"); check_operand(low, "clamp"); check_operand(high, "clamp")
  return new_value { op = "clamp", x, low, high }
end

-- x:named("label"): gives an uncertain input its own name for reports, conditions
-- and common random numbers (instead of the path it is assigned to).
function Value:named(label)
  if type(label) ~= "string" or label == "" then fail("named takes a non-empty string") end
  check_text("the name given to named", label)
  local data = VDATA[self]
  if not data or data.op ~= "dist" then fail("named applies to a distribution, not to an expression") end
  if data.name and data.name ~= label then
    fail(fmt("this input is already named '%s'", data.name))
  end
  data.name = label
  return self
end

-- ==== event quarters ===================================================================
-- release("v2") + k: the quarter k quarters after version v2's release in each trial
-- (k a whole number, possibly uncertain), for a line's from or to (MODEL.md 11.1). The
-- version is looked up when the scenario is resolved, so it may be declared later.

-- Like uncertain values, an event is an empty proxy whose fields live in EDATA, out of
-- the scenario's reach: scenario code cannot change one after it was checked.
local Event = { __name = "roi.Event" }
local EDATA = {}                                 -- proxy -> { version, offset, loc }

local function is_event(v) return EDATA[v] ~= nil end
local function new_event(version, offset, loc)
  local p = setmetatable({}, Event)
  EDATA[p] = { version = version, offset = offset, loc = loc }
  return p
end
Event.__index = function(p, k) return EDATA[p][k] end
Event.__newindex = function() fail("an event quarter such as release(\"v2\") + 2 cannot be changed") end
Event.__metatable = false

local function shift_event(e, k, sign, what)
  check_operand(k, what)
  local offset = e.offset
  if sign < 0 then k = type(k) == "number" and -k or new_value { op = "neg", k } end
  if type(offset) == "number" and type(k) == "number" then offset = offset + k
  elseif offset == 0 then offset = k
  else offset = new_value { op = "+", offset, k } end
  return new_event(e.version, offset, e.loc)
end

Event.__add = function(a, b)
  if is_event(a) and is_event(b) then fail("two events cannot be added; write release(\"v2\") + quarters") end
  if is_event(a) then return shift_event(a, b, 1, "release(...) +") end
  return shift_event(b, a, 1, "+ release(...)")
end
Event.__sub = function(a, b)
  if not is_event(a) or is_event(b) then fail("write release(\"v2\") - quarters: an event minus a number") end
  return shift_event(a, b, -1, "release(...) -")
end
Event.__tostring = function(e)
  local k = e.offset
  if k == 0 then return fmt("release(\"%s\")", e.version) end
  return fmt("release(\"%s\") + %s", e.version, describe(k))
end

function lib.release(name, ...)
  no_extra("release", 1 + select("#", ...), 1)
  if type(name) ~= "string" then fail("release takes a version's name: release(\"v2\")") end
  return new_event(name, 0, author_loc())
end

-- ==== describing values in the author's notation ====================================

local function describe_dist(v)
  local a = VDATA[v].args
  local s
  local function d(x) return is_value(x) and describe(x) or num_str(x) end
  if v.family == "lognormal" then
    if v.form == "p5p95" then s = fmt("lognormal{p5 = %s, p95 = %s}", d(a[1]), d(a[2]))
    else s = fmt("lognormal{mean = %s, sd = %s}", d(a[1]), d(a[2])) end
  elseif v.family == "sipmath" then
    s = fmt("sipmath{library = %q, sip = %q}", a.library, a.sip)
  elseif v.form == "shapescale" then
    s = fmt("%s{shape = %s, scale = %s}", v.family, d(a[1]), d(a[2]))
  elseif v.family == "discrete" then
    local parts = {}
    for i, x in ipairs(a.values) do parts[i] = fmt("[%s] = %s", num_str(x), num_str(a.probs[i])) end
    s = "discrete{" .. concat(parts, ", ") .. "}"
  else
    local parts = {}
    for i, x in ipairs(a) do parts[i] = d(x) end
    s = v.family .. "(" .. concat(parts, ", ") .. ")"
  end
  if v.low ~= nil or v.high ~= nil then
    local b = {}
    if v.low ~= nil then b[#b + 1] = "low = " .. d(v.low) end
    if v.high ~= nil then b[#b + 1] = "high = " .. d(v.high) end
    s = s .. ":truncate{" .. concat(b, ", ") .. "}"
  end
  return s
end

function describe(v)
  if type(v) == "number" then return num_str(v) end
  if not is_value(v) then return tostring(v) end
  local op = v.op
  if op == "dist" then return v.name or describe_dist(v) end
  if op == "ref" then return v.path end
  if op == "neg" then return "-" .. describe(v[1]) end
  if op == "choose" or op == "min" or op == "max" or op == "clamp" then
    local parts = {}
    for i = 1, #v do parts[i] = describe(v[i]) end
    return op .. "(" .. concat(parts, ", ") .. ")"
  end
  if op == "and" then return "all_of(" .. describe(v[1]) .. ", " .. describe(v[2]) .. ")" end
  if op == "or" then return "any_of(" .. describe(v[1]) .. ", " .. describe(v[2]) .. ")" end
  if op == "not" then return "none_of(" .. describe(v[1]) .. ")" end
  return "(" .. describe(v[1]) .. " " .. op .. " " .. describe(v[2]) .. ")"
end

-- ==== the schema ===================================================================
-- Built from the parameter table (engine/model_params.c), which the host hands over
-- as SCHEMA: the declaration kinds in table order, each { kind, style ("section",
-- "object" or "question"), required, kinds (kinded only), rows }, each row { name,
-- type, need, kinds, required_in, values (enum), rule/low/high (whole numbers) }. A
-- row "adoption.p" is field p of the group adoption. This file adds no field of its
-- own: a field is one row there.
--
-- Field types as checked here: "value" (number or uncertain value), "number",
-- "quarter" ("2026Q2"), "quarter_or_end", "string", "boolean", "stages" (list of
-- {offset, share}), "surfaces" ("all" or a list of surface names), "enum:a,b",
-- "condition", or a nested schema (a group). Analyses check "path", "paths", "grid"
-- and "stat" themselves (check_analysis). Each kind lists its fields in the order
-- they are resolved and reported.

local DECLS = {}                                  -- the kinds, in table order
local DECL = {}                                   -- kind -> its entry of SCHEMA
local SECTIONS, OBJECTS, ANALYSES = {}, {}, {}    -- kind -> schema, by style

local function new_schema()
  return { order = {}, fields = {}, required = {}, rows = {} }
end

local function field_type(row)
  if row.type == "enum" then return "enum:" .. concat(row.values, ",") end
  return row.type
end

-- A schema { order, fields, required, rows } for one kind; groups nest one. A kinded
-- kind (spend, revenue) also gets kinds[k] = { required, allowed } per kind.
local function build_schema(decl)
  local schema = new_schema()
  for _, row in ipairs(decl.rows) do
    local group, field = str_match(row.name, "^([^.]+)%.(.+)$")
    local into, key = schema, row.name
    if group then into, key = schema.fields[group], field end
    into.fields[key] = row.type == "group" and new_schema() or field_type(row)
    into.order[#into.order + 1] = key
    into.rows[key] = row
    if row.need == "required" and not row.kinds then into.required[#into.required + 1] = key end
  end
  if decl.kinds then
    schema.required = nil                        -- it depends on the kind
    schema.kinds = {}
    for _, k in ipairs(decl.kinds) do
      local spec = { required = {}, allowed = {} }
      for _, key in ipairs(schema.order) do
        local row = schema.rows[key]
        if not row.kinds or row.kinds[k] then
          spec.allowed[#spec.allowed + 1] = key
          if key ~= "kind" and (row.need == "required" or (row.required_in and row.required_in[k])) then
            spec.required[#spec.required + 1] = key
          end
        end
      end
      schema.kinds[k] = spec
    end
  end
  return schema
end

for _, decl in ipairs(SCHEMA) do
  DECLS[#DECLS + 1], DECL[decl.kind] = decl, decl
  local by_style = decl.style == "section" and SECTIONS or decl.style == "object" and OBJECTS or ANALYSES
  by_style[decl.kind] = build_schema(decl)
end

local function field_names(schema)
  local names = {}
  for _, k in ipairs(schema.order) do names[#names + 1] = k end
  return names
end

-- Goal seeks and sweeps (docs/search.md). `input` is a parameter path
-- ("core_ad_uplift.lift", "v2.score", "moat"); mode says what the value x being tried
-- does to it: "value" (default) replaces it by x in every trial, "shift" adds x to
-- every draw, "scale" multiplies every draw by x.
local OUTPUT_NAMES = ANALYSES.goal.rows.output.values
local MODES = ANALYSES.goal.rows.mode.values
local TRIALS = ANALYSES.goal.rows.trials

-- A decision (docs/decisions.md): two or more distinct scenario names, an output
-- defined in every trial, distinct signals (parameter paths, checked when resolved).
local ALWAYS_DEFINED = { npv = true, npv_horizon = true, total_spend = true,
  total_revenue = true, peak_active = true, total_savings = true }

local function check_decision(what, spec, loc)
  if spec.title ~= nil and type(spec.title) ~= "string" then fail(what .. ": title must be a string", loc) end
  local function names(field, at_least, example)
    local list = spec[field]
    if list == nil then return end
    if type(list) ~= "table" or is_value(list) or #list < at_least then
      fail(fmt("%s: %s must be a list of %s names%s, e.g. %s", what, field,
        field == "options" and "scenario" or "input", at_least > 1 and " (two or more)" or "", example), loc)
    end
    local seen = {}
    for k in pairs(list) do
      if math_type(k) ~= "integer" or k < 1 or k > #list then
        fail(fmt("%s: %s must be a plain list, e.g. %s", what, field, example), loc)
      end
    end
    for _, v in ipairs(list) do
      if type(v) ~= "string" or v == "" then
        fail(fmt("%s: %s must list names as strings, got %s", what, field, type(v)), loc)
      end
      if seen[v] then fail(fmt("%s: %s lists '%s' twice", what, field, v), loc) end
      seen[v] = true
    end
  end
  names("options", 2, "{ \"base\", \"stop_after_v2\" }")
  names("signals", 0, "{ \"v2.score\", \"moat\" }")
  local output = spec.output or OUTPUT_NAMES[1]
  if not ALWAYS_DEFINED[output] then
    local ok = {}
    for _, o in ipairs(OUTPUT_NAMES) do if ALWAYS_DEFINED[o] then ok[#ok + 1] = o end end
    fail(fmt("%s: output must be one defined in every trial (%s), got %s%s", what, concat(ok, ", "),
      tostring(output), type(output) == "string" and suggest(output, ok) or ""), loc)
  end
end

local function check_analysis(kind, name, spec, loc)
  local what = fmt("%s \"%s\"", kind, name)
  check_text(kind .. " name", name, loc)
  if type(spec.title) == "string" then check_text(what .. ": title", spec.title, loc) end
  if kind == "decision" then return check_decision(what, spec, loc) end
  local function is_in(v, list) for _, x in ipairs(list) do if v == x then return true end end return false end
  if spec.title ~= nil and type(spec.title) ~= "string" then fail(what .. ": title must be a string", loc) end
  local output = spec.output or OUTPUT_NAMES[1]
  if not is_in(output, OUTPUT_NAMES) then
    fail(fmt("%s: output must be one of %s, got %s%s", what, concat(OUTPUT_NAMES, ", "), tostring(output),
      type(output) == "string" and suggest(output, OUTPUT_NAMES) or ""), loc)
  end
  local stat = spec.stat
  local level = type(stat) == "string" and tonumber(str_match(stat, "^p(%d%d?)$"))
  if not (stat == "mean" or stat == "prob_positive" or stat == "median" or (level and level >= 1)) then
    fail(fmt("%s: stat must be mean, prob_positive, median or p1 .. p99, got %s", what, tostring(stat)), loc)
  end
  if spec.mode ~= nil and not is_in(spec.mode, MODES) then
    fail(fmt("%s: mode must be one of %s, got %s", what, concat(MODES, ", "), tostring(spec.mode)), loc)
  end
  if spec.trials ~= nil and (math_type(spec.trials) ~= "integer" or spec.trials < TRIALS.low
      or spec.trials > TRIALS.high) then
    fail(fmt("%s: trials %s, got %s", what, TRIALS.rule, tostring(spec.trials)), loc)
  end
  if kind == "goal" then
    if type(spec.input) ~= "string" then fail(what .. ": input must be a parameter path such as \"v2.score\"", loc) end
    for _, k in ipairs({ "target", "low", "high" }) do
      if type(spec[k]) ~= "number" then fail(fmt("%s: %s must be a number, got %s", what, k, type(spec[k])), loc) end
      local bad = not_finite(spec[k])
      if bad then fail(fmt("%s: %s must be a finite number, got %s", what, k, bad), loc) end
    end
    if not (spec.low < spec.high) then
      fail(fmt("%s: low must be below high, got [%s, %s]", what, num_str(spec.low), num_str(spec.high)), loc)
    end
  else
    local inputs, values = spec.inputs, spec.values
    if type(inputs) == "string" then inputs = { inputs } end
    if type(inputs) ~= "table" or #inputs < 1 or #inputs > 2 then
      fail(what .. ": inputs must list one or two parameter paths", loc)
    end
    for _, p in ipairs(inputs) do
      if type(p) ~= "string" then fail(what .. ": inputs must be parameter paths (strings)", loc) end
    end
    if type(values) ~= "table" then fail(what .. ": values must be a list of numbers per input", loc) end
    if #inputs == 1 and type(values[1]) == "number" then values = { values } end
    if #values ~= #inputs then
      fail(fmt("%s: give one list of values per input (%d inputs, %d lists)", what, #inputs, #values), loc)
    end
    for i, list in ipairs(values) do
      if type(list) ~= "table" or #list < 1 or #list > 1000 then
        fail(fmt("%s: values for %s must be a list of 1 to 1000 numbers", what, inputs[i]), loc)
      end
      for _, x in ipairs(list) do
        if type(x) ~= "number" then fail(fmt("%s: values for %s must be numbers", what, inputs[i]), loc) end
        if not_finite(x) then fail(fmt("%s: values for %s must be finite numbers, got %s", what, inputs[i], not_finite(x)), loc) end
      end
    end
    spec.inputs, spec.values = inputs, values
  end
end

-- ==== one scenario being loaded =====================================================

local function new_state(top_file)
  local st = {
    top = top_file,
    files = {},        -- loading stack of files (for cycles)
    file_ids = {},     -- what each of them is (host.read's id)
    loaded = {},       -- file -> true once loaded
    current = nil,     -- the file whose statements are running
    did_something = {},-- file -> true after its first declaration/assignment
    objects = {},      -- name -> object
    order = {},        -- object names in declaration order
    sections = {},     -- horizon/family/... -> object
    globals = {},      -- named values: name -> value
    gorder = {},       -- their names in first-assignment order
    gset = {},         -- name -> {loc =, file =}
    plain = {},        -- other globals of the scenario (functions, strings, tables)
    info = { title = nil },
    changed = {},      -- paths a later file overrode
    parent_text = {},  -- path -> its value before the first override, as text
    value_text = {},   -- path -> its latest value, as text
    setters = {},      -- path -> file that first set it
    analyses = {},     -- goal/sweep -> list of their declarations, in order
    correlations = {}, -- list of { a =, b =, rank =, loc = }
  }
  for kind in pairs(ANALYSES) do st.analyses[kind] = {} end
  return st
end

local function touch(st)
  st.did_something[st.current or "?"] = true
end

-- Records that `path` was set by the current file; a path first set by another file
-- (a parent scenario) is marked changed.
-- A value as short text for the list of what a what-if changed: "beta(8, 2)", "4",
-- "{ {0, 0.25}, {4, 1} }" (at most 200 characters).
-- describe(v) cut at about `limit` characters, in time bounded by the limit (a value
-- sharing subexpressions, x = x + x nested 40 deep, has 2^40 paths).
local function short_describe(v, limit)
  local parts, n = {}, 0
  local function put(t) parts[#parts + 1] = t; n = n + #t end
  local function walk(x)
    if n >= limit then return end
    if not is_value(x) then put(type(x) == "number" and num_str(x) or tostring(x)); return end
    local op = x.op
    if op == "dist" then put(x.name or describe_dist(x))
    elseif op == "ref" then put(x.path)
    elseif op == "neg" then put("-"); walk(x[1])
    elseif op == "choose" or op == "min" or op == "max" or op == "clamp" or op == "and"
      or op == "or" or op == "not" then
      local word = op == "and" and "all_of" or op == "or" and "any_of" or op == "not" and "none_of" or op
      put(word .. "(")
      for i = 1, #x do
        if i > 1 then put(", ") end
        walk(x[i])
      end
      put(")")
    else
      put("("); walk(x[1]); put(" " .. op .. " "); walk(x[2]); put(")")
    end
  end
  walk(v)
  return concat(parts)
end

local function change_text(v, depth)
  depth = depth or 0
  local text
  if type(v) == "number" then text = num_str(v)
  elseif type(v) == "string" then text = '"' .. v .. '"'
  elseif is_value(v) then text = short_describe(v, 200)
  elseif type(v) ~= "table" or is_event(v) then text = tostring(v)
  elseif depth > 3 then text = "{...}"
  else
    local parts, keys = {}, {}
    for i, x in ipairs(v) do parts[i] = change_text(x, depth + 1) end
    for k in pairs(v) do if type(k) == "string" then keys[#keys + 1] = k end end
    sort(keys)
    for _, k in ipairs(keys) do parts[#parts + 1] = k .. " = " .. change_text(v[k], depth + 1) end
    text = "{ " .. concat(parts, ", ") .. " }"
  end
  if #text > 200 then text = text:sub(1, 197) .. "..." end
  return text
end

-- Records that `path` was set (to `new`, from `old`) by the current file; a path first
-- set by another file is changed, and the value it had before its first change is the
-- parent's (st.parent_text), listed beside this scenario's (st.value_text).
local function note_set(st, path, old, new)
  local first = st.setters[path]
  if first == nil then st.setters[path] = st.current
  elseif first ~= st.current then
    if not st.changed[path] then st.parent_text[path] = old == nil and "not set" or change_text(old) end
    st.changed[path] = true
  end
  st.value_text[path] = change_text(new)
end

-- "LOC: WHAT must ..." for a message about `what` raised at `loc`; a --set option's
-- location already names the path ("--set v2.score"), so there the path is not
-- repeated: "--set v2.score: must ...".
local function field_fail(what, loc, msg)
  loc = loc or author_loc()
  if loc == "--set " .. what and msg:sub(1, #what) == what then
    local rest = str_gsub(msg:sub(#what + 1), "^:? ", "", 1)
    msg = rest
  end
  fail(msg, loc)
end

-- Checks `v` against field type `ftype` for `what` (a description used in messages);
-- a failure is raised at `loc` (the author's line when nil).
local function check_field(st, what, ftype, v, loc)
  local function fail(msg) field_fail(what, loc, msg) end
  if type(ftype) == "table" then
    if type(v) ~= "table" or is_value(v) then
      fail(fmt("%s must be a table of %s", what, concat(field_names(ftype), ", ")))
    end
    return
  end
  if ftype == "value" then
    if type(v) ~= "number" and not is_value(v) then
      fail(fmt("%s must be a number or an uncertain value, got %s", what,
        type(v) == "string" and ("'" .. v .. "'") or is_event(v) and ("the quarter " .. tostring(v))
        or type(v)))
    end
    local bad = not_finite(v)
    if bad then fail(fmt("%s must be a finite number, got %s", what, bad)) end
  elseif ftype == "number" then
    if type(v) ~= "number" then fail(fmt("%s must be a number, got %s", what, type(v))) end
    local bad = not_finite(v)
    if bad then fail(fmt("%s must be a finite number, got %s", what, bad)) end
  elseif ftype == "quarter" or ftype == "quarter_or_end" then
    if type(v) ~= "string" then
      fail(fmt("%s must be a quarter written like \"2026Q2\"%s, got %s", what,
        ftype == "quarter_or_end" and " or \"end\"" or "", is_value(v) and "an uncertain value" or type(v)))
    end
  elseif ftype == "when" then
    if type(v) ~= "string" and not is_event(v) then
      fail(fmt("%s must be a quarter written like \"2026Q2\", \"end\", or an event such as "
        .. "release(\"v2\") + 2, got %s", what, is_value(v) and "an uncertain value" or type(v)))
    end
  elseif ftype == "string" then
    if type(v) ~= "string" then fail(fmt("%s must be a string, got %s", what, type(v))) end
    check_text(what, v, loc)
  elseif ftype == "condition" then
    if type(v) ~= "string" and not is_value(v) then
      fail(fmt("%s must be a condition such as \"v2.score >= 60\" or v2.score:at_least(60), got %s",
        what, type(v)))
    end
  elseif ftype == "boolean" then
    if type(v) ~= "boolean" then fail(fmt("%s must be true or false, got %s", what, type(v))) end
  elseif ftype == "stages" then
    if type(v) ~= "table" or is_value(v) or #v == 0 then
      fail(fmt("%s must be a list of {offset, share} pairs, e.g. { {0, .35}, {1, .85}, {3, 1} }", what))
    end
    for i, s in ipairs(v) do
      if type(s) ~= "table" or is_value(s) or type(s[1]) ~= "number" or #s ~= 2
          or (type(s[2]) ~= "number" and not is_value(s[2])) then
        fail(fmt("%s: stage %d must be {offset in quarters, cumulative share}, e.g. {1, .85}", what, i))
      end
      local bad = not_finite(s[2])
      if bad then fail(fmt("%s: stage %d: the share must be a finite number, got %s", what, i, bad)) end
    end
  elseif ftype == "surfaces" then
    if v ~= "all" then
      if type(v) ~= "table" or is_value(v) or #v == 0 then
        fail(fmt("%s must be \"all\" or a list of surface names", what))
      end
      for _, s in ipairs(v) do
        if type(s) ~= "string" then fail(fmt("%s must list surface names as strings", what)) end
      end
    end
  elseif ftype:sub(1, 5) == "enum:" then
    local allowed = {}
    for a in str_gmatch(ftype:sub(6), "[^,]+") do allowed[#allowed + 1] = a end
    for _, a in ipairs(allowed) do if v == a then return end end
    fail(fmt("%s must be one of %s, got %s%s", what, concat(allowed, ", "),
      type(v) == "string" and ("'" .. v .. "'") or type(v),
      type(v) == "string" and suggest(v, allowed) or ""))
  end
end

-- A copy of the scenario's table v, read raw (no metamethods run) down to `depth`
-- levels of plain tables (deeper ones become empty); values, strings, numbers and
-- booleans are kept as they are (immutable). The library checks and keeps this copy,
-- so scenario code that runs later cannot change what was checked.
local function plain_copy(v, depth)
  if type(v) ~= "table" or is_value(v) or is_event(v) then return v end
  local c = {}
  if depth > 0 then
    for k, x in next, v do c[k] = plain_copy(x, depth - 1) end
  end
  return c
end
local FIELD_DEPTH = 4                             -- a list of lists of numbers, and one more

-- A value that uses the one it replaces: `x = x * 2` in a what-if means the parent's
-- value of x times 2. Returns v with every reference to `path` replaced by `old` (the
-- value the path held before; copies, so the parent's value is never changed), or v
-- itself when it does not refer to path. No value before: "is not set yet".
local function with_previous(v, path, old, loc)
  if not is_value(v) then return v end
  -- Both walks are memoised: a value may share subexpressions (x = x + x), and the
  -- paths through them grow exponentially while the values do not.
  local used = {}
  local function uses(x)
    if not is_value(x) then return false end
    if x.op == "ref" then return x.path == path end
    if used[x] ~= nil then return used[x] end
    local r = false
    for i = 1, #x do if uses(x[i]) then r = true; break end end
    used[x] = r
    return r
  end
  if not uses(v) then return v end
  if old == nil then
    fail(fmt("%s uses itself, but has no value yet to start from", path), loc)
  end
  local copies = {}
  local function copy(x)
    if not is_value(x) then return x end
    if x.op == "ref" and x.path == path then return old end
    if not uses(x) then return x end
    if copies[x] then return copies[x] end
    local c = {}
    for k, e in pairs(VDATA[x]) do c[k] = e end
    for i = 1, #x do c[i] = copy(x[i]) end
    copies[x] = new_value(c)
    return copies[x]
  end
  return copy(v)
end

-- Sets field `key` of `obj` (path prefix `prefix` inside the object) to v.
local function set_field(st, obj, schema, prefix, key, v, loc)
  v = plain_copy(v, FIELD_DEPTH)
  local ftype = type(key) == "string" and schema.fields[key]
  local full = obj.name .. "." .. prefix .. tostring(key)
  if not ftype then
    local kindword = obj.kind == obj.name and obj.kind or fmt("%s '%s'", obj.kind, obj.name)
    if prefix ~= "" then kindword = kindword .. " field '" .. prefix:sub(1, -2) .. "'" end
    fail(fmt("%s has no field '%s'%s", kindword, tostring(key),
      type(key) == "string" and suggest(key, field_names(schema)) or ""), loc)
  end
  if v == nil then fail(fmt("%s cannot be removed (nil); give it a value", full), loc) end
  check_field(st, full, ftype, v, loc)
  if type(ftype) == "table" then
    -- A nested table (adoption, residual) set whole: each key is checked and set.
    local sub = obj.fields
    for part in str_gmatch((prefix .. key), "[^.]+") do
      sub[part] = sub[part] or {}
      sub = sub[part]
    end
    for _, k in ipairs(sorted_keys(v)) do
      set_field(st, obj, ftype, prefix .. key .. ".", k, v[k], loc)
    end
    return
  end
  local t = obj.fields
  for part in str_gmatch(prefix, "[^.]+") do
    t[part] = t[part] or {}
    t = t[part]
  end
  local old = t[key]
  v = with_previous(v, full, old, loc)
  t[key] = v
  obj.locs[prefix .. key] = loc or author_loc()
  if is_value(v) and v.op == "dist" and not v.path then VDATA[v].loc = v.loc or loc end
  note_set(st, full, old, v)
end

-- A proxy that reads fields of `obj` as references and records assignments.
local function field_proxy(st, obj, schema, prefix)
  local p = {}
  return setmetatable(p, {
    __name = "roi.Object",
    __index = function(_, key)
      local ftype = type(key) == "string" and schema.fields[key]
      if not ftype then
        local kindword = obj.kind == obj.name and obj.kind or fmt("%s '%s'", obj.kind, obj.name)
        fail(fmt("%s has no field '%s'%s", kindword, tostring(key),
          type(key) == "string" and suggest(key, field_names(schema)) or ""))
      end
      if type(ftype) == "table" then return field_proxy(st, obj, ftype, prefix .. key .. ".") end
      if ftype ~= "value" and ftype ~= "number" then
        local t = obj.fields
        for part in str_gmatch(prefix, "[^.]+") do t = t[part] or {} end
        return plain_copy(t[key], FIELD_DEPTH)
      end
      return new_value { op = "ref", path = obj.name .. "." .. prefix .. key }
    end,
    __newindex = function(_, key, v)
      touch(st)
      set_field(st, obj, schema, prefix, key, v, author_loc())
    end,
    __tostring = function() return obj.name .. (prefix ~= "" and ("." .. prefix:sub(1, -2)) or "") end,
  })
end

-- Views and stresses are questions asked of the model, like goals and sweeps: a later
-- file (a what-if) may declare one again by name, which replaces the parent's in place.
local REDECLARABLE = { view = true, stress = true }

local function declare(st, kind, name, loc)
  local existing = st.objects[name]
  if existing and existing.kind == kind and REDECLARABLE[kind] and existing.file ~= st.current then
    local obj = { kind = kind, name = name, fields = {}, locs = {}, loc = loc, file = st.current }
    obj.proxy = field_proxy(st, obj, OBJECTS[kind], "")
    st.objects[name] = obj
    return obj
  end
  if existing then
    fail(fmt("'%s' is already declared (%s '%s' at %s); to change it, assign its fields, e.g. %s.field = value",
      name, existing.kind, name, existing.loc, name), loc)
  end
  if st.globals[name] ~= nil or lib[name] ~= nil then
    fail(fmt("'%s' is already used as a name in this scenario; pick another", name), loc)
  end
  local obj = { kind = kind, name = name, fields = {}, locs = {}, loc = loc, file = st.current }
  obj.proxy = field_proxy(st, obj, OBJECTS[kind] or SECTIONS[kind], "")
  st.objects[name] = obj
  st.order[#st.order + 1] = name
  return obj
end

-- ==== the scenario environment ======================================================

local SAFE_GLOBALS = {
  "assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal", "rawlen",
  "select", "tonumber", "tostring", "type", "xpcall",
}

local run_file                                    -- forward

-- ---- the sandbox: read-only library tables ----------------------------------------
-- A scenario sees string, table, math and utf8 through read-only views of private
-- copies, without the functions that could leave the sandbox or break determinism
-- (string.dump, math.random). Strings' own metatable points at the same view, so
-- ("").dump and ("").rep = ... are closed too. See docs/safety.md.


-- ---- bounded library calls --------------------------------------------------------
-- A function of the string or table library runs in C to its end: the time limit's
-- hook fires only between Lua instructions. Most of them do work in proportion to the
-- memory they touch, which the memory limit bounds. The others are wrapped here: a
-- call whose worst case is above ~1e9 steps is refused with a message, and a sort
-- compares through a Lua function, so that the hook fires between two comparisons.
-- (A call that still outlasts the limit is ended from outside: lua/sandbox.c.)
local CALL_STEPS = 1e9
local str_rep, tbl_move, tbl_sort = string.rep, table.move, table.sort

-- Lua patterns backtrack: from each of the n + 1 starting points of an n-byte subject,
-- a pattern of m bytes with q repetition items (* + - ?, %b and back-references %1..%9,
-- which scan) can take about m * (n + 1)^q steps; anchored with ^ it starts once. A
-- plain find (or a pattern without special characters) compares m bytes at each start.
local function guard_pattern(fname, s, pat, plain)
  if type(s) == "number" then s = tostring(s) end
  if type(pat) == "number" then pat = tostring(pat) end
  if type(s) ~= "string" or type(pat) ~= "string" then return end   -- the call itself refuses
  local n, m = #s, #pat
  local cost, q
  if (plain and fname == "find") or not str_find(pat, "[%^%$%*%+%?%.%(%)%[%]%%%-]") then
    q, cost = 0, (n + 1) * m
  else
    q = 0
    for _ in str_gmatch(pat, "[%*%+%-%?]") do q = q + 1 end
    for _ in str_gmatch(pat, "%%[b1-9]") do q = q + 1 end
    local starts = pat:sub(1, 1) == "^" and 1 or n + 1
    cost = starts * math.max(m, 1) * (n + 1) ^ q
  end
  if cost > CALL_STEPS then
    fail(fmt("string.%s: a %d-byte pattern with %d repetition items on a %d-byte string could "
      .. "run for hours; use a shorter string or a simpler pattern", fname, m, q, n))
  end
end

-- string.rep of an empty string (and separator) loops n times producing nothing.
local function bounded_rep(s, n, sep)
  if (s == "" or s == nil) and (sep == nil or sep == "") and type(n) == "number" and n > 1
      and n == math.floor(n) then
    n = 1
  end
  return str_rep(s, n, sep)
end

-- table.move copies e - f + 1 entries, whether or not they exist.
local MOVE_MAX = 1 << 24
local function bounded_move(a1, f, e, t, a2)
  if type(f) == "number" and type(e) == "number" and e >= f and e - f >= MOVE_MAX then
    fail(fmt("table.move: moving %s entries could run for hours; move at most %d", num_str(e - f + 1), MOVE_MAX))
  end
  return tbl_move(a1, f, e, t, a2)
end

-- table.sort: every comparison goes through Lua, where the time limit can stop it.
local function less(a, b) return a < b end
local function bounded_sort(t, comp)
  if comp ~= nil and type(comp) ~= "function" then
    fail(fmt("table.sort: the order must be a function, got %s", type(comp)))
  end
  local c = comp or less
  return tbl_sort(t, function(a, b) return c(a, b) end)
end

local function readonly_view(name, src, drop)
  local copy = {}
  for k, v in pairs(src) do if not drop[k] then copy[k] = v end end
  if name == "string" then
    copy.find = function(s, p, init, plain) guard_pattern("find", s, p, plain); return str_find(s, p, init, plain) end
    copy.match = function(s, p, init) guard_pattern("match", s, p); return str_match(s, p, init) end
    copy.gmatch = function(s, p, init) guard_pattern("gmatch", s, p); return str_gmatch(s, p, init) end
    copy.gsub = function(s, p, r, n) guard_pattern("gsub", s, p); return str_gsub(s, p, r, n) end
    copy.rep = bounded_rep
  elseif name == "table" then
    copy.move, copy.sort = bounded_move, bounded_sort
  end
  return setmetatable({}, {
    __index = function(_, k)
      local v = copy[k]
      if v == nil then
        local why = drop[k] and " (it is not allowed in scenarios)" or
          (type(k) == "string" and suggest(k, sorted_keys(copy)) or "")
        fail(fmt("%s.%s does not exist%s", name, tostring(k), why))
      end
      return v
    end,
    __newindex = function(_, k)
      fail(fmt("%s is read-only: %s.%s cannot be changed (give your function its own name)",
        name, name, tostring(k)))
    end,
    __pairs = function()
      local keys, i = sorted_keys(copy), 0
      return function()
        i = i + 1
        if keys[i] ~= nil then return keys[i], copy[keys[i]] end
      end
    end,
    __metatable = false,
  })
end

local SAFE_STRING = readonly_view("string", string, { dump = true })
local SAFE_TABLE = readonly_view("table", table, {})
local SAFE_MATH = readonly_view("math", math, { random = true, randomseed = true })
local SAFE_UTF8 = readonly_view("utf8", utf8, {})
do
  -- Methods on strings ("x"):rep(3) go through the same view; the metatable
  -- itself is locked (getmetatable("") gives false).
  local smt = getmetatable("")
  smt.__index = SAFE_STRING
  smt.__metatable = false
end

-- The scenario { ... } call, into env_lib.
local function add_scenario(st, env_lib)
  -- scenario { title = ..., extends = ... }: must come first in its file.
  env_lib.scenario = function(spec)
    local loc = author_loc()
    if type(spec) ~= "table" then fail("scenario takes a table: scenario { title = \"...\" }", loc) end
    if st.did_something[st.current] then
      fail("scenario { ... } must come before any declaration or assignment in the file", loc)
    end
    for _, k in ipairs(sorted_keys(spec)) do
      if k ~= "title" and k ~= "extends" and k ~= "description" then
        fail(fmt("scenario has no field '%s'%s", tostring(k),
          suggest(tostring(k), { "title", "extends", "description" })), loc)
      end
    end
    if spec.title ~= nil and type(spec.title) ~= "string" then fail("scenario.title must be a string", loc) end
    if spec.description ~= nil and type(spec.description) ~= "string" then
      fail("scenario.description must be a string", loc)
    end
    if spec.title then check_text("scenario.title", spec.title, loc) end
    if spec.description then check_text("scenario.description", spec.description, loc, true) end
    local parents = spec.extends
    if type(parents) == "string" then parents = { parents } end
    if parents ~= nil and type(parents) ~= "table" then
      fail("scenario.extends must be a scenario name or a list of names", loc)
    end
    for _, parent in ipairs(parents or {}) do
      if type(parent) ~= "string" then fail("scenario.extends must list scenario names", loc) end
      local path, dir = host.resolve(st.current, parent)
      if not path then fail(dir, loc) end
      run_file(st, path, loc, parent, dir)
    end
    if st.current == st.top then
      st.info.title = spec.title
      st.info.description = spec.description
    end
    st.did_something[st.current] = true
  end

end
-- One call per section kind, into env_lib.
local function add_sections(st, env_lib)
  -- Single sections: horizon { ... } sets fields; horizon.discount reads/assigns.
  for kind, schema in pairs(SECTIONS) do
    local obj = { kind = kind, name = kind, fields = {}, locs = {}, loc = "?", declared = false }
    obj.proxy = field_proxy(st, obj, schema, "")
    st.sections[kind] = obj
    local callable = setmetatable({}, {
      __call = function(_, spec)
        local loc = author_loc()
        touch(st)
        if type(spec) ~= "table" or is_value(spec) then
          fail(fmt("%s takes a table: %s { ... }", kind, kind), loc)
        end
        if not obj.declared then obj.loc, obj.declared = loc, true end
        for _, k in ipairs(sorted_keys(spec)) do set_field(st, obj, schema, "", k, spec[k], loc) end
      end,
      __index = function(_, k) return obj.proxy[k] end,
      __newindex = function(_, k, v) obj.proxy[k] = v end,
    })
    env_lib[kind] = callable
  end

end
-- One constructor per object kind, into env_lib.
local function add_objects(st, env_lib)
  -- Named objects: version "v2" { ... } declares v2.
  for kind, schema in pairs(OBJECTS) do
    env_lib[kind] = function(name)
      local loc = author_loc()
      if type(name) ~= "string" or not str_match(name, "^[%a_][%w_]*$") then
        fail(fmt("%s needs a name made of letters, digits and _: %s \"name\" { ... }", kind, kind), loc)
      end
      return function(spec)
        touch(st)
        if type(spec) ~= "table" or is_value(spec) then
          fail(fmt("%s \"%s\" takes a table of fields: %s \"%s\" { ... }", kind, name, kind, name), loc)
        end
        local obj = declare(st, kind, name, loc)
        for _, k in ipairs(sorted_keys(spec)) do set_field(st, obj, schema, "", k, spec[k], loc) end
        return obj.proxy
      end
    end
  end

end
-- One constructor per question kind, into env_lib.
local function add_questions(st, env_lib)
  -- goal "..." { ... } and sweep "..." { ... }: questions asked of the model, not
  -- parts of it. A what-if inherits them; declaring the same name again in a later
  -- file replaces the parent's declaration.
  for kind, schema in pairs(ANALYSES) do
    env_lib[kind] = function(name)
      local loc = author_loc()
      if type(name) ~= "string" or name == "" then
        fail(fmt("%s needs a name: %s \"what it answers\" { ... }", kind, kind), loc)
      end
      return function(spec)
        touch(st)
        if type(spec) ~= "table" or is_value(spec) then
          fail(fmt("%s \"%s\" takes a table of fields: %s \"%s\" { ... }", kind, name, kind, name), loc)
        end
        spec = plain_copy(spec, FIELD_DEPTH)
        for _, k in ipairs(sorted_keys(spec)) do
          if type(k) ~= "string" or not schema.fields[k] then
            fail(fmt("%s \"%s\" has no field '%s'%s", kind, name, tostring(k),
              type(k) == "string" and suggest(k, schema.order) or ""), loc)
          end
        end
        for _, k in ipairs(schema.required) do
          if spec[k] == nil then fail(fmt("%s \"%s\" is missing '%s'", kind, name, k), loc) end
        end
        check_analysis(kind, name, spec, loc)
        local list = st.analyses[kind]
        for i, d in ipairs(list) do
          if d.name == name then
            if d.file == st.current then
              fail(fmt("%s \"%s\" is already declared at %s", kind, name, d.loc), loc)
            end
            list[i] = { name = name, spec = spec, loc = loc, file = st.current }
            return
          end
        end
        list[#list + 1] = { name = name, spec = spec, loc = loc, file = st.current }
      end
    end
  end

end
-- correlate { ... }, into env_lib.
local function add_correlate(st, env_lib)
  -- correlate { {"a", "b", 0.6}, ... }: rank correlations between named inputs. A
  -- later pair for the same two inputs replaces the earlier one.
  env_lib.correlate = function(pairs_list)
    local loc = author_loc()
    touch(st)
    if type(pairs_list) ~= "table" or is_value(pairs_list) or #pairs_list == 0 then
      fail("correlate takes a list of pairs: correlate { {\"v2.score\", \"moat\", 0.5}, ... }", loc)
    end
    for i, p in ipairs(pairs_list) do
      if type(p) ~= "table" or type(p[1]) ~= "string" or type(p[2]) ~= "string"
          or type(p[3]) ~= "number" or #p ~= 3 then
        fail(fmt("correlate: pair %d must be {\"input a\", \"input b\", rank correlation}", i), loc)
      end
      if p[1] == p[2] then fail(fmt("correlate: pair %d correlates '%s' with itself", i, p[1]), loc) end
      if not (p[3] > -1 and p[3] < 1) then
        fail(fmt("correlate: the rank correlation of %s and %s must lie strictly between -1 and 1, got %s",
          p[1], p[2], num_str(p[3])), loc)
      end
      local replaced = false
      for _, c in ipairs(st.correlations) do
        if (c.a == p[1] and c.b == p[2]) or (c.a == p[2] and c.b == p[1]) then
          c.rank, c.loc, replaced = p[3], loc, true
        end
      end
      if not replaced then
        st.correlations[#st.correlations + 1] = { a = p[1], b = p[2], rank = p[3], loc = loc }
      end
    end
  end

end
-- The environment scenario files run in: roisim's language (env_lib), the safe parts
-- of Lua, and the scenario's own names (reading an unknown one is an error).
local function make_env(st)
  local env_lib = {}
  for k, v in pairs(lib) do env_lib[k] = v end
  for _, k in ipairs(SAFE_GLOBALS) do env_lib[k] = _G[k] end
  env_lib.string, env_lib.table, env_lib.math, env_lib.utf8 = SAFE_STRING, SAFE_TABLE, SAFE_MATH, SAFE_UTF8
  -- Memory and time limits cannot be caught; print goes to standard error.
  env_lib.pcall, env_lib.xpcall = host.pcall, host.xpcall
  env_lib.print = function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    host.print(author_loc() .. ": " .. concat(parts, "\t"))
  end

  add_scenario(st, env_lib)
  add_sections(st, env_lib)
  add_objects(st, env_lib)
  add_questions(st, env_lib)
  add_correlate(st, env_lib)

  local env = {}
  setmetatable(env, {
    __index = function(_, name)
      local v = env_lib[name]
      if v ~= nil then return v end
      local obj = st.objects[name]
      if obj then return obj.proxy end
      if st.globals[name] ~= nil then return new_value { op = "ref", path = name } end
      v = st.plain[name]
      if v ~= nil then return v end
      local candidates = {}
      for k in pairs(env_lib) do candidates[#candidates + 1] = k end
      for k in pairs(st.objects) do candidates[#candidates + 1] = k end
      for k in pairs(st.globals) do candidates[#candidates + 1] = k end
      for k in pairs(st.plain) do candidates[#candidates + 1] = k end
      sort(candidates)
      fail(fmt("unknown name '%s'%s", tostring(name),
        type(name) == "string" and suggest(name, candidates) or ""))
    end,
    __newindex = function(_, name, v)
      local loc = author_loc()
      if type(name) ~= "string" then fail("global names must be strings", loc) end
      if env_lib[name] ~= nil then fail(fmt("'%s' is part of roisim's language and cannot be redefined", name), loc) end
      if st.objects[name] then
        fail(fmt("'%s' is a %s; assign its fields instead (e.g. %s.score = ...)", name,
          st.objects[name].kind, name), loc)
      end
      touch(st)
      if type(v) == "number" or is_value(v) then
        local bad = not_finite(v)
        if bad then fail(fmt("%s must be a finite number, got %s", name, bad), loc) end
        if st.plain[name] ~= nil then fail(fmt("'%s' already holds a %s", name, type(st.plain[name])), loc) end
        if st.globals[name] == nil then st.gorder[#st.gorder + 1] = name end
        local old = st.globals[name]
        v = with_previous(v, name, old, loc)
        st.globals[name] = v
        st.gset[name] = { loc = loc }
        note_set(st, name, old, v)
      elseif v == nil then
        fail(fmt("'%s' cannot be removed (nil)", name), loc)
      else
        if st.globals[name] ~= nil then fail(fmt("'%s' is a named value; give it a number or an uncertain value", name), loc) end
        st.plain[name] = v
      end
    end,
  })
  return env
end

-- Runs scenario file `path`; a parent named in extends (as `name`, at from_loc) must
-- lie inside `dir`, which host.read checks on the file it opens. Files are told apart
-- by what they are (host.read's id: device and inode), not by how they are named, so
-- "./x" and "x" are one file.
function run_file(st, path, from_loc, name, dir)
  if st.loaded[path] then return end          -- a shared parent, already applied
  local text, id = host.read(path, dir)
  if not text then
    if from_loc then fail(name and fmt("extends = '%s': %s", name, id) or id, from_loc) end
    error(id, 0)
  end
  for i, f in ipairs(st.file_ids) do
    if f == id then
      local chain = {}
      for k = i, #st.files do chain[#chain + 1] = st.files[k] end
      chain[#chain + 1] = path
      fail("scenarios extend each other in a circle: " .. concat(chain, " -> "), from_loc)
    end
  end
  if st.loaded[id] then st.loaded[path] = true; return end
  local chunk, cerr = load(text, "@" .. path, "t", st.env)
  if not chunk then error(cerr, 0) end
  local saved = st.current
  st.files[#st.files + 1], st.file_ids[#st.file_ids + 1] = path, id
  st.current, loading_file = path, path
  chunk()
  st.files[#st.files], st.file_ids[#st.file_ids] = nil, nil
  st.current, loading_file = saved, saved
  st.loaded[path], st.loaded[id] = true, true
end

-- ==== command-line overrides (--set PATH=VALUE) =====================================

local function apply_set(st, text)
  local path, expr = str_match(text, "^%s*([%w_.]+)%s*=%s*(.-)%s*$")
  if not path or expr == "" then
    error(fmt("--set %s: expected PATH=VALUE, e.g. --set v2.score=normal(60,2)", text), 0)
  end
  local loc = "--set " .. path
  local chunk, cerr = load("return " .. expr, "=" .. loc, "t", st.env)
  if not chunk then
    error(fmt("%s: cannot read the value '%s' (%s)", loc, expr, str_gsub(cerr, "^[^:]*:%d*:?%s*", "")), 0)
  end
  local ok, v = pcall(chunk)
  if not ok then error(tostring(v), 0) end
  st.current = "--set"
  local parts = {}
  for part in str_gmatch(path, "[^.]+") do parts[#parts + 1] = part end
  if #parts == 1 then
    if st.globals[parts[1]] == nil then
      local names = {}
      for k in pairs(st.globals) do names[#names + 1] = k end
      for k in pairs(st.objects) do names[#names + 1] = k end
      sort(names)
      error(fmt("%s: no named value '%s' in this scenario%s", loc, parts[1], suggest(parts[1], names)), 0)
    end
    if type(v) ~= "number" and not is_value(v) then
      error(fmt("%s: the value must be a number or a distribution, got %s", loc, type(v)), 0)
    end
    st.globals[parts[1]] = with_previous(v, parts[1], st.globals[parts[1]], loc)
    st.gset[parts[1]] = { loc = loc }
    st.changed[parts[1]] = true
    return
  end
  local obj = st.objects[parts[1]] or (st.sections[parts[1]] and st.sections[parts[1]].declared and st.sections[parts[1]])
  if not obj then
    local names = {}
    for k in pairs(st.objects) do names[#names + 1] = k end
    for k, o in pairs(st.sections) do if o.declared then names[#names + 1] = k end end
    for k in pairs(st.globals) do names[#names + 1] = k end
    sort(names)
    error(fmt("%s: this scenario has nothing named '%s'%s", loc, parts[1], suggest(parts[1], names)), 0)
  end
  local schema = OBJECTS[obj.kind] or SECTIONS[obj.kind]
  local prefix = ""
  for i = 2, #parts - 1 do
    local sub = schema.fields[parts[i]]
    if type(sub) ~= "table" then
      error(fmt("%s: %s has no group '%s'%s", loc, obj.name, parts[i], suggest(parts[i], field_names(schema))), 0)
    end
    schema, prefix = sub, prefix .. parts[i] .. "."
  end
  local ok2, e2 = pcall(set_field, st, obj, schema, prefix, parts[#parts], v, loc)
  if not ok2 then error(e2, 0) end
  st.changed[obj.name .. "." .. prefix .. parts[#parts]] = true
end

-- ==== resolution: from recorded values to nodes and structure =======================

local function lookup(st, path)
  local dot = str_find(path, ".", 1, true)
  if not dot then return st.globals[path], st.gset[path] and st.gset[path].loc end
  local head = path:sub(1, dot - 1)
  local obj = st.objects[head] or st.sections[head]
  if not obj then return nil end
  local t = obj.fields
  local rest = path:sub(dot + 1)
  local last
  for part in str_gmatch(rest, "[^.]+") do
    if type(t) ~= "table" or is_value(t) then return nil end
    last = part
    t = t[part]
  end
  return t, obj.locs[rest] or obj.loc
end

-- Names unnamed distributions by the path they are assigned to. A value holding
-- several unnamed distributions names them by their place: choose branches get
-- ".then"/".else" (".if" for the condition), operands ".1"/".2"/...
-- count_unnamed(v): the unnamed distributions under v, counted once per way of
-- reaching them (a shared subexpression counts once per use). Memoised until the next
-- name is given, so that naming takes time in proportion to the values, not to the
-- (exponential) number of paths through shared subexpressions.
local unnamed_memo = {}
local function count_unnamed(v)
  if not is_value(v) then return 0 end
  local n = unnamed_memo[v]
  if n then return n end
  n = 0
  if v.op == "dist" then n = v.name and 0 or 1
  elseif v.op ~= "ref" then
    for i = 1, #v do n = n + count_unnamed(v[i]) end
  end
  unnamed_memo[v] = n
  return n
end

-- The one unnamed distribution under v (an expression holding exactly one), or nil.
local function single_unnamed(v)
  if not is_value(v) or count_unnamed(v) ~= 1 then return nil end
  if v.op == "dist" then return v end
  for i = 1, #v do
    if count_unnamed(v[i]) > 0 then return single_unnamed(v[i]) end
  end
end

local function name_leaves(v, path)
  if not is_value(v) then return end
  if v.op == "dist" then
    if not v.name then VDATA[v].name = path; unnamed_memo = {} end
    return
  end
  if v.op == "ref" then return end
  local total = count_unnamed(v)
  if total == 0 then return end
  if total == 1 then
    for i = 1, #v do name_leaves(v[i], path) end
    return
  end
  local suffixes = v.op == "choose" and { "if", "then", "else" } or nil
  for i = 1, #v do
    if count_unnamed(v[i]) > 0 then
      name_leaves(v[i], path .. "." .. (suffixes and suffixes[i] or tostring(i)))
    end
  end
end

local function walk_fields(obj, schema, prefix, fn)
  for _, k in ipairs(schema.order) do
    local ftype = schema.fields[k]
    local t = obj.fields
    for part in str_gmatch(prefix, "[^.]+") do t = t and t[part] end
    local v = t and t[k]
    if v ~= nil then
      if type(ftype) == "table" then walk_fields(obj, ftype, prefix .. k .. ".", fn)
      elseif ftype == "value" or ftype == "number" then fn(prefix .. k, v)
      elseif ftype == "when" and is_event(v) then fn(prefix .. k, v.offset)
      elseif ftype == "stages" then
        for i, s in ipairs(v) do fn(prefix .. k .. "." .. i, s[2]) end  -- the shares
      end
    end
  end
end

local OPS = { ["+"] = "add", ["-"] = "sub", ["*"] = "mul", ["/"] = "div", ["^"] = "pow",
  neg = "neg", min = "min", max = "max", clamp = "clamp", ["<"] = "lt", ["<="] = "le",
  [">"] = "gt", [">="] = "ge", ["=="] = "eq", ["~="] = "ne", ["and"] = "and", ["or"] = "or",
  ["not"] = "not", choose = "choose" }

local FOLD = {
  add = function(a, b) return a + b end, sub = function(a, b) return a - b end,
  mul = function(a, b) return a * b end, div = function(a, b) return a / b end,
  pow = function(a, b) return a ^ b end, neg = function(a) return -a end,
  min = function(a, b) return math.min(a, b) end, max = function(a, b) return math.max(a, b) end,
  clamp = function(a, b, c) return math.min(math.max(a, b), c) end,
  lt = function(a, b) return a < b and 1 or 0 end, le = function(a, b) return a <= b and 1 or 0 end,
  gt = function(a, b) return a > b and 1 or 0 end, ge = function(a, b) return a >= b and 1 or 0 end,
  eq = function(a, b) return a == b and 1 or 0 end, ne = function(a, b) return a ~= b and 1 or 0 end,
  ["and"] = function(a, b) return (a ~= 0 and b ~= 0) and 1 or 0 end,
  ["or"] = function(a, b) return (a ~= 0 or b ~= 0) and 1 or 0 end,
  ["not"] = function(a) return a == 0 and 1 or 0 end,
  choose = function(c, a, b) if c ~= 0 then return a end return b end,
}

-- Resolves recorded values into out.nodes (constants folded; a value used in two
-- places is one node). Returns node_of and value_of
-- (below). Over 80 lines: push, const_node, resolve_path and resolve share its memo
-- tables and recurse into each other, so they live inside it.
local function resolver(st, out)
  local memo = {}       -- value table -> result
  local by_path = {}    -- path -> result
  local visiting = {}   -- path -> true while resolving (cycles)
  local names = {}      -- input name -> loc (duplicates)
  local resolve

  -- A result is { const = x } or { node = i } (1-based index into out.nodes).
  local function push(node)
    out.nodes[#out.nodes + 1] = node
    return { node = #out.nodes }
  end

  local function const_node(r)
    if r.node then return r.node end
    if r.cnode then return r.cnode end
    local n = push({ kind = "const", value = r.const })
    r.cnode = n.node
    return r.cnode
  end

  local function resolve_path(path, loc)
    if by_path[path] then return by_path[path] end
    if visiting[path] then
      fail(fmt("'%s' depends on itself", path), loc)
    end
    local v, vloc = lookup(st, path)
    if v == nil then fail(fmt("'%s' is not set", path), loc) end
    visiting[path] = true
    local r = resolve(v, path, vloc)
    visiting[path] = nil
    -- A number that a goal or sweep changes gets a node of its own, so that the
    -- expressions using it read the node instead of folding the number in.
    if st.protect and st.protect[path] and r.const ~= nil then r = { node = const_node(r) } end
    by_path[path] = r
    return r
  end

  function resolve(v, path, loc)
    if type(v) == "number" then return { const = v } end
    if not is_value(v) then fail(fmt("%s: expected a number or an uncertain value", path), loc) end
    if memo[v] then return memo[v] end
    local r
    if v.op == "ref" then
      r = resolve_path(v.path, v.loc)
    elseif v.op == "dist" then
      local args = {}
      local function const_arg(x, what)
        local ar = resolve(x, path, v.loc)
        if ar.const == nil then
          fail(fmt("%s: the %s of %s must be a plain number, not uncertain", v.name or path, what, v.family), v.loc)
        end
        return ar.const
      end
      if v.family == "discrete" then
        args.values, args.probs = VDATA[v].args.values, VDATA[v].args.probs
      elseif v.family == "sipmath" then
        args.library, args.sip = VDATA[v].args.library, VDATA[v].args.sip
      else
        for i, x in ipairs(VDATA[v].args) do args[i] = const_arg(x, "parameter " .. i) end
      end
      local low = v.low ~= nil and const_arg(v.low, "lower truncation bound") or nil
      local high = v.high ~= nil and const_arg(v.high, "upper truncation bound") or nil
      local name = v.name or path
      if names[name] then
        fail(fmt("two uncertain inputs are both named '%s' (the other at %s); name one with :named(\"...\")",
          name, names[name]), v.loc)
      end
      names[name] = v.loc
      r = push({ kind = "input", name = name, family = v.family, form = v.form, args = args,
        low = low, high = high, loc = v.loc, hidden = v.hidden or nil })
      out.locs[name] = out.locs[name] or v.loc
    else
      local kind = OPS[v.op]
      local rs, allconst = {}, true
      for i = 1, #v do
        rs[i] = resolve(v[i], path, loc)
        if rs[i].const == nil then allconst = false end
      end
      if allconst then
        r = { const = FOLD[kind](rs[1] and rs[1].const, rs[2] and rs[2].const, rs[3] and rs[3].const) }
      else
        local node = { kind = "op", op = kind }
        node.a = rs[1] and const_node(rs[1])
        node.b = rs[2] and const_node(rs[2])
        node.c = rs[3] and const_node(rs[3])
        r = push(node)
      end
    end
    local label = st.named_expr and st.named_expr[v]
    if label and r.node and out.nodes[r.node].kind == "op" and not out.nodes[r.node].name then
      out.nodes[r.node].name = label
      out.locs[label] = out.locs[label] or loc
    end
    memo[v] = r
    return r
  end

  -- node_of(path): the node index (1-based) of the value at `path`, or nil when
  -- unset. value_of(v): what the value v resolves to,
  -- { const = x } or { node = i }, adding no node for a constant.
  local function node_of(path)
    local v = lookup(st, path)
    if v == nil then return nil end
    return const_node(resolve_path(path))
  end
  local function value_of(v, loc)
    return resolve(v, "where", loc)
  end
  -- node_of_value(v, path, loc): the node index of value v (a constant gets a node).
  local function node_of_value(v, path, loc)
    return const_node(resolve(v, path, loc))
  end
  return node_of, value_of, node_of_value
end

local function require_fields(obj, schema, list, what)
  for _, k in ipairs(list) do
    if obj.fields[k] == nil then
      fail(fmt("%s is missing '%s'", what, k), obj.loc)
    end
  end
end

-- The text of a view's condition (the syntax of engine/condition.h): a string as
-- written, or an uncertain condition such as v2.score:at_least(60) or
-- all_of(moat, v2.score:below(54)) written back in that syntax.
local CMP_OPS = { ["<"] = true, ["<="] = true, [">"] = true, [">="] = true, ["=="] = true,
  ["~="] = true }
-- A name that a what-if fixed to a number (moat = 1) is written as that number.
local function condition_text(st, v, what, loc)
  local function constant(path)
    local first, rest = str_match(path, "^([^.]+)%.?(.*)$")
    local val = st.globals[first]
    if rest ~= "" then
      local obj = st.objects[first] or st.sections[first]
      val = obj and obj.fields
      for part in str_gmatch(rest, "[^.]+") do val = type(val) == "table" and val[part] or nil end
    end
    if type(val) == "number" then return num_str(val) end
    if is_value(val) and val.op == "ref" then return constant(val.path) end
    return nil
  end
  if type(v) == "string" then
    -- A condition written as text names inputs; one that a what-if fixed reads as
    -- its number ("moat" -> "1"), so the parent's view evaluates on the constant.
    return (v:gsub("[%a_][%w_]*[%w_.]*", function(word)
      if not st.changed[word] then return nil end
      return constant(word)
    end))
  end
  local function text(x, nested)
    if type(x) == "number" then return num_str(x) end
    if not is_value(x) then fail(fmt("%s: cannot use a %s in a condition", what, type(x)), loc) end
    local op = x.op
    if op == "ref" then return constant(x.path) or x.path end
    if op == "dist" and x.name then return x.name end
    if op == "and" or op == "or" then
      local s = text(x[1], true) .. " " .. op .. " " .. text(x[2], true)
      return nested and "(" .. s .. ")" or s
    end
    if op == "not" then return "not " .. text(x[1], true) end
    if CMP_OPS[op] and type(x[2]) == "number" then return text(x[1]) .. " " .. op .. " " .. text(x[2]) end
    fail(fmt("%s: a condition compares a named input or an output with a number, "
      .. "combined with all_of, any_of, none_of; got %s", what, describe(x)), loc)
  end
  return text(v)
end

-- The declarations a scenario must make: every required section (with its required
-- fields), and at least one of each required kind of object.
local function check_declared(st, file)
  for _, d in ipairs(DECLS) do
    local obj = st.sections[d.kind]
    if obj and obj.declared then require_fields(obj, SECTIONS[d.kind], SECTIONS[d.kind].required, d.kind) end
  end
  for _, d in ipairs(DECLS) do
    if d.style == "section" and d.required and not st.sections[d.kind].declared then
      fail(fmt("the scenario has no %s { ... } declaration", d.kind), file)
    end
  end
  for _, d in ipairs(DECLS) do
    if d.style == "object" and d.required then
      local found = false
      for _, n in ipairs(st.order) do found = found or st.objects[n].kind == d.kind end
      if not found then fail(fmt("the scenario declares no %s \"...\" { ... }", d.kind), file) end
    end
  end
end

-- Versions in order: exactly one of planned/after and of score/improvement, the first
-- with planned and score. A version without a score gets previous score + improvement
-- (so that expressions can use its score); the improvement is handed over too.
local function check_versions(st)
  local versions = {}
  for _, n in ipairs(st.order) do
    local obj = st.objects[n]
    if obj.kind == "version" then versions[#versions + 1] = obj end
  end
  for i, obj in ipairs(versions) do
    local what = fmt("version '%s'", obj.name)
    local f = obj.fields
    if (f.planned == nil) == (f.after == nil) then
      fail(fmt("%s needs exactly one of planned = \"YYYYQn\" or after = quarters after the previous release", what), obj.loc)
    end
    if i == 1 and f.after ~= nil then fail(fmt("%s is the first version: give planned = \"YYYYQn\", not after", what), obj.loc) end
    if (f.score == nil) == (f.improvement == nil) then
      fail(fmt("%s needs exactly one of score or improvement (over the previous version's score)", what), obj.loc)
    end
    if i == 1 and f.improvement ~= nil then fail(fmt("%s is the first version: give score, not improvement", what), obj.loc) end
    if f.improvement ~= nil then
      obj.fields.score = new_value { op = "+", new_value { op = "ref", path = versions[i - 1].name .. ".score", loc = obj.loc },
        new_value { op = "ref", path = obj.name .. ".improvement", loc = obj.loc }, loc = obj.loc }
      obj.locs.score = obj.locs.improvement
    end
  end
end

-- Names every unnamed distribution by its path: globals first, then the sections,
-- then the objects in declaration order.
-- A path whose value is an expression over exactly one unnamed distribution
-- (regulator_delay = bernoulli(0.3) * 4, or a what-if's rate = rate * 0.5) names the
-- expression: st.named_expr[value] = path. The distribution inside is drawn under the
-- same name (so its draws are the ones it has without the expression, and a parent's
-- and a what-if's trials pair up) but is hidden: reports, conditions and sensitivity
-- see the expression's value.
local function name_path(st, v, path)
  local leaf = is_value(v) and v.op ~= "dist" and v.op ~= "ref" and single_unnamed(v)
  name_leaves(v, path)
  if leaf and st.named_expr[v] == nil then
    st.named_expr[v] = path
    VDATA[leaf].hidden = true
  end
end

local function name_inputs(st)
  st.named_expr = {}
  for _, g in ipairs(st.gorder) do name_path(st, st.globals[g], g) end
  for _, d in ipairs(DECLS) do
    if d.style == "section" then
      walk_fields(st.sections[d.kind], SECTIONS[d.kind], "", function(p, v) name_path(st, v, d.kind .. "." .. p) end)
    end
  end
  for _, n in ipairs(st.order) do
    local obj = st.objects[n]
    walk_fields(obj, OBJECTS[obj.kind], "", function(p, v) name_path(st, v, n .. "." .. p) end)
  end
end

-- The recorded value of field `name` of obj ("adoption.p": inside the group), or nil.
local function field_value(obj, name)
  local v = obj.fields
  for part in str_gmatch(name, "[^.]+") do
    if type(v) ~= "table" or is_value(v) then return nil end
    v = v[part]
  end
  return v
end

-- One declaration as the conversion reads it: { name =, [field] = value, ... } with
-- every field given, keyed by its row's name. Values become node indices; the rest
-- is handed over as written. Rows are visited in table order, which is the order in
-- which uncertain inputs are first met.
-- An event quarter crosses as { version = name, offset = node index }.
local function resolve_fields(st, obj, decl, prefix, node_of, node_of_value)
  local entry = { name = obj.name }
  for _, row in ipairs(decl.rows) do
    local v = nil                                -- false is a value (terminal = false)
    if row.type ~= "group" then v = field_value(obj, row.name) end
    if row.type == "value" and v ~= nil then
      entry[row.name] = node_of(prefix .. row.name)
    elseif row.type == "stages" and v ~= nil then
      -- {offset, share node}: a share may be uncertain (MODEL.md 2), named by its stage
      local stages = {}
      for i, s in ipairs(v) do stages[i] = { s[1], node_of_value(s[2], prefix .. row.name .. "." .. i) } end
      entry[row.name] = stages
    elseif row.type == "when" and is_event(v) then
      local target = st.objects[v.version]
      local loc = obj.locs[row.name] or obj.loc
      if not target or target.kind ~= "version" then
        local versions = {}
        for _, n in ipairs(st.order) do
          if st.objects[n].kind == "version" then versions[#versions + 1] = n end
        end
        fail(fmt("%s.%s: release(\"%s\"): there is no version '%s'%s", obj.name, row.name,
          v.version, v.version, suggest(v.version, versions)), loc)
      end
      entry[row.name] = { version = v.version, offset = node_of_value(v.offset, prefix .. row.name, loc) }
    elseif v ~= nil then
      entry[row.name] = v
    end
  end
  return entry
end

-- The checks of one object that need the whole scenario: its kind and the fields
-- that kind takes, required fields (also of a group given), surfaces named.
local function check_object(st, obj, surface_names)
  local schema = OBJECTS[obj.kind]
  local f, n = obj.fields, obj.name
  local what = fmt("%s '%s'", obj.kind, n)
  if schema.kinds then
    if f.kind == nil then
      fail(fmt("%s needs kind = one of %s", what, concat(sorted_keys(schema.kinds), ", ")), obj.loc)
    end
    local spec = schema.kinds[f.kind]
    require_fields(obj, schema, spec.required, what .. " (" .. f.kind .. ")")
    local allowed = {}
    for _, k in ipairs(spec.allowed) do allowed[k] = true end
    for _, k in ipairs(sorted_keys(f)) do
      if not allowed[k] then
        fail(fmt("%s is of kind %s, which has no field '%s' (it takes %s)", what, f.kind, k,
          concat(spec.allowed, ", ")), obj.locs[k] or obj.loc)
      end
    end
  elseif #schema.required > 0 then
    require_fields(obj, schema, schema.required, what)
  end
  for _, k in ipairs(schema.order) do
    local sub = schema.fields[k]
    if type(sub) == "table" and type(f[k]) == "table" then
      require_fields({ fields = f[k], loc = obj.loc }, sub, sub.required, what .. " " .. k)
    end
  end
  if schema.fields.surfaces == "surfaces" and type(f.surfaces) == "table" then
    for _, s in ipairs(f.surfaces) do
      if not st.objects[s] or st.objects[s].kind ~= "surface" then
        fail(fmt("%s: surfaces lists '%s', which is not a surface%s", what, s, suggest(s, surface_names)),
          obj.locs.surfaces or obj.loc)
      end
    end
  end
end

-- Goal seeks, sweeps and decisions: their fields as written, each parameter path with
-- its node.
local function resolve_questions(st, out, node_of)
  local function target(kind, d, path)
    local ok, idx = pcall(node_of, path)
    if not ok or idx == nil then
      fail(fmt("%s \"%s\": input '%s' is not a parameter of this scenario", kind, d.name, path), d.loc)
    end
    return { path = path, node = idx }
  end
  -- A decision's signals: in a scenario that is one of its options, each must be an
  -- uncertain input there, or a number (a what-if or --set fixed it: knowing it is
  -- worth nothing); a what-if that is not an option only carries the decision.
  local function signal_targets(d, paths)
    local home = false
    for _, o in ipairs(d.spec.options) do home = home or o == out.name end
    local targets = {}
    for i, p in ipairs(paths) do
      local t = target("decision", d, p)
      if home and out.nodes[t.node].kind == "op" then
        fail(fmt("decision \"%s\": signal '%s' is computed from other inputs in scenario '%s'; "
          .. "a signal is an uncertain input known at the gate", d.name, p, out.name), d.loc)
      end
      targets[i] = t
    end
    return targets
  end
  for _, decl in ipairs(DECLS) do
    if decl.style == "question" then
      for _, d in ipairs(st.analyses[decl.kind]) do
        local entry = { name = d.name }
        for _, row in ipairs(decl.rows) do
          local v = d.spec[row.name]
          if v ~= nil and row.type == "path" then
            v = target(decl.kind, d, v)
          elseif v ~= nil and row.type == "paths" then
            local targets = {}
            for i, p in ipairs(v) do targets[i] = target(decl.kind, d, p) end
            v = targets
          elseif v ~= nil and row.type == "inputs" then
            v = signal_targets(d, v)
          end
          entry[row.name] = v
        end
        local list = out.declarations[decl.kind]
        list[#list + 1] = entry
      end
    end
  end
end

-- A note for the author: something of a parent that a what-if made moot, dropped or
-- adapted rather than refused. Shown on standard error and kept in the model.
local function note(st, out, loc, text)
  local msg = fmt("%s: note: %s", loc or "?", text)
  out.notes[#out.notes + 1] = msg
  host.print(msg)
end

-- Nonzero when `name` is a parameter path or named value that a later file (a what-if)
-- or --set changed, so that a parent's question about it may no longer apply.
local function fixed_by_whatif(st, name)
  return st.changed[name] and lookup(st, name) ~= nil
end

-- Rank correlations, between uncertain inputs of the resolved scenario. A pair on an
-- input that a what-if fixed is dropped, with a note.
local function resolve_correlations(st, out)
  local input_names, expr_loc = {}, {}
  for _, nd in ipairs(out.nodes) do
    if nd.kind == "input" and not nd.hidden then input_names[#input_names + 1] = nd.name end
    if nd.kind == "op" and nd.name then expr_loc[nd.name] = out.locs[nd.name] or "?" end
  end
  sort(input_names)
  local known = {}
  for _, n in ipairs(input_names) do known[n] = true end
  out.correlations = {}
  for _, c in ipairs(st.correlations) do
    local keep = true
    for _, n in ipairs({ c.a, c.b }) do
      if keep and expr_loc[n] then
        fail(fmt("correlate: '%s' is an expression (set at %s), not a distribution; correlations "
          .. "are between distributions: correlate the one inside it, named with :named(\"...\")",
          n, expr_loc[n]), c.loc)
      end
      if keep and not known[n] then
        if not fixed_by_whatif(st, n) then
          fail(fmt("correlate: '%s' is not an uncertain input of this scenario%s", n, suggest(n, input_names)), c.loc)
        end
        note(st, out, c.loc, fmt("correlate: the pair (%s, %s) is dropped: this scenario fixes '%s'",
          c.a, c.b, n))
        keep = false
      end
    end
    if keep then out.correlations[#out.correlations + 1] = { a = c.a, b = c.b, rank = c.rank } end
  end
  -- A stress of an input a what-if fixed has nothing to restrict: skipped, with a note.
  local stresses = {}
  for _, entry in ipairs(out.declarations.stress) do
    if type(entry.input) == "string" and not known[entry.input] and fixed_by_whatif(st, entry.input) then
      local obj = st.objects[entry.name]
      note(st, out, obj.locs.input or obj.loc, fmt("stress '%s' is skipped: this scenario fixes '%s'",
        entry.name, entry.input))
    else
      stresses[#stresses + 1] = entry
    end
  end
  out.declarations.stress = stresses
end

-- Locations of every declaration and field, for messages from the engine's validation.
local function record_locations(st, out)
  for _, d in ipairs(DECLS) do
    local obj = st.sections[d.kind]
    if obj then
      out.locs[d.kind] = obj.loc
      for p, l in pairs(obj.locs) do out.locs[d.kind .. "." .. p] = l end
    end
  end
  for _, n in ipairs(st.order) do
    local obj = st.objects[n]
    out.locs[n] = obj.loc
    for p, l in pairs(obj.locs) do out.locs[n .. "." .. p] = l end
  end
  for g, s in pairs(st.gset) do out.locs[g] = s.loc end
  for p in pairs(st.changed) do out.changed[p] = true end
  -- What this scenario changes from its parents, by path, each with the parent's value.
  local paths = {}
  for p in pairs(st.changed) do paths[#paths + 1] = p end
  sort(paths)
  out.changes = {}
  for _, p in ipairs(paths) do
    out.changes[#out.changes + 1] = { path = p, parent = st.parent_text[p] or "?",
      value = st.value_text[p] or "?" }
  end
end

-- The resolved description lua/convert.c reads (its shape: docs/architecture.md,
-- "Parameters: one table").
-- A view's condition as the steps of a postfix program (engine/condition.h): a
-- comparison of an uncertain input with a number { op = "ge", node = i, value = 60 }
-- (a bare input: "ne" 0), a truth fixed now { op = "const", value = 1 } (a name a
-- what-if fixed, moat = 1, compares as its number), or and/or/not of the steps
-- before. The operations are the expressions' own (OPS). Resolved after everything
-- else, so that a condition never adds an input the model does not use, nor changes
-- the order in which inputs are met.
local function condition_steps(st, out, v, what, loc, value_of)
  local steps = {}
  local function emit(step) steps[#steps + 1] = step end
  local function refuse(x)
    fail(fmt("%s: a condition compares a named input or an output with a number, "
      .. "combined with all_of, any_of, none_of; got %s", what, describe(x)), loc)
  end
  -- The truth of `x op n` (op one of OPS' comparisons; "ne" with 0: x alone).
  local function compare(x, op, n)
    if type(x) == "number" then emit({ op = "const", value = FOLD[op](x, n) }); return end
    if not (is_value(x) and (x.op == "ref" or (x.op == "dist" and x.name))) then refuse(x) end
    local inputs = 0
    for _, nd in ipairs(out.nodes) do if nd.kind == "input" then inputs = inputs + 1 end end
    local r = value_of(x, loc)
    for _, nd in ipairs(out.nodes) do if nd.kind == "input" then inputs = inputs - 1 end end
    local label = x.op == "ref" and x.path or x.name
    if inputs ~= 0 then
      fail(fmt("%s: '%s' is not an uncertain input of the model (nothing in it uses it)", what, label), loc)
    end
    local nd = r.node and out.nodes[r.node]
    if nd and nd.kind == "const" then r = { const = nd.value } end   -- a goal's or sweep's number
    if r.const ~= nil then emit({ op = "const", value = FOLD[op](r.const, n) }); return end
    if nd.kind ~= "input" and not nd.name then
      fail(fmt("%s: '%s' is an expression, not an uncertain input; a condition compares an "
        .. "uncertain input or an output with a number", what, label), loc)
    end
    emit({ op = op, node = r.node, value = n })
  end
  local function walk(x)
    if not is_value(x) and type(x) ~= "number" then
      fail(fmt("%s: cannot use a %s in a condition", what, type(x)), loc)
    end
    local op = is_value(x) and x.op
    if op == "and" or op == "or" then
      walk(x[1]); walk(x[2]); emit({ op = op })
    elseif op == "not" then
      walk(x[1]); emit({ op = "not" })
    elseif CMP_OPS[op] then
      if type(x[2]) ~= "number" then refuse(x) end
      compare(x[1], OPS[op], x[2])
    else
      compare(x, "ne", 0)
    end
  end
  walk(v)
  return steps
end

local function resolve_state(st, file, name)
  local out = { nodes = {}, locs = {}, changed = {}, declarations = {}, notes = {} }
  out.name, out.file = name, file
  out.title = st.info.title or name
  out.description = st.info.description
  for _, d in ipairs(DECLS) do out.declarations[d.kind] = {} end

  check_declared(st, file)
  check_versions(st)
  name_inputs(st)
  st.protect = {}
  for _, d in ipairs(st.analyses.goal) do st.protect[d.spec.input] = true end
  for _, d in ipairs(st.analyses.sweep) do
    for _, p in ipairs(d.spec.inputs) do st.protect[p] = true end
  end
  local node_of, value_of, node_of_value = resolver(st, out)

  for _, d in ipairs(DECLS) do
    local obj = st.sections[d.kind]
    if obj and obj.declared then out.declarations[d.kind][1] = resolve_fields(st, obj, d, d.kind .. ".", node_of, node_of_value) end
  end
  local h = out.declarations.horizon[1]
  if h.terminal ~= false and not h.terminal_growth then
    fail("horizon: give terminal_growth (g_tv), or terminal = false to turn the terminal value off",
      st.sections.horizon.loc)
  end

  local surface_names = {}
  for _, n in ipairs(st.order) do
    if st.objects[n].kind == "surface" then surface_names[#surface_names + 1] = n end
  end
  for _, n in ipairs(st.order) do
    local obj = st.objects[n]
    check_object(st, obj, surface_names)
    local entry = resolve_fields(st, obj, DECL[obj.kind], n .. ".", node_of, node_of_value)
    local list = out.declarations[obj.kind]
    list[#list + 1] = entry
  end
  resolve_questions(st, out, node_of)
  -- A view's where: the text to show, and (when not written as text) its steps.
  for _, entry in ipairs(out.declarations.view) do
    local obj = st.objects[entry.name]
    local what, loc = fmt("view '%s': where", entry.name), obj.locs.where or obj.loc
    local where = obj.fields.where
    entry.where = { text = condition_text(st, where, what, loc) }
    if type(where) ~= "string" then entry.where.steps = condition_steps(st, out, where, what, loc, value_of) end
  end
  resolve_correlations(st, out)
  record_locations(st, out)
  return out
end

-- ==== entry point ===================================================================

-- Loads scenario `file` (already resolved by the host), applies the --set strings in
-- `sets` (a list), and returns the resolved description for lua/convert.c.
function M.load(file, name, sets)
  local st = new_state(file)
  loading_file = file
  st.env = make_env(st)
  run_file(st, file)
  for _, s in ipairs(sets or {}) do apply_set(st, s) end
  st.current, loading_file = file, file
  return resolve_state(st, file, name)
end

M.describe = describe
return M
