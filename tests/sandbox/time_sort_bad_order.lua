-- expect: table.sort: the order must be a function, got string
-- The order of a sort is checked before the sort starts.
table.sort({ 3, 1, 2 }, "<")
