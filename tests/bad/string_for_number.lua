-- expect: string_for_number.lua:4: horizon.discount must be a number or an uncertain value, got 'nine percent'
-- exit: 1
scenario { title = "bad", extends = "base" }
horizon.discount = "nine percent"
