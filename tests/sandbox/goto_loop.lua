-- expect: did not finish loading within 1 s
-- args: --time-limit 1
::again:: goto again
