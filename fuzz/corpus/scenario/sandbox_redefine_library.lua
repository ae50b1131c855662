-- expect: 'normal' is part of roisim's language and cannot be redefined
normal = function() return 1 end
