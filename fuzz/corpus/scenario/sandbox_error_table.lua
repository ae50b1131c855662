-- expect: error() was given a table value
error({ code = 1 })
