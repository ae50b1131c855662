-- What if the rollout to Facebook, Instagram and WhatsApp slips two quarters?
scenario { title = "Rollout slips two quarters", extends = "base" }

facebook.delay = 2
instagram.delay = 2
whatsapp.delay = 2
