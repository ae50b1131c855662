-- expect: table is read-only: table.insert cannot be changed
table.insert = nil
