-- expect: unknown name 'rawset'
rawset(_ENV, "normal", function() end)
