-- The order of a sort is checked before the sort starts.
table.sort({ 3, 1, 2 }, "<")
