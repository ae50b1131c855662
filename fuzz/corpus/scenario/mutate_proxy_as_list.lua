-- An object of the scenario (a proxy table of the library) given where a list belongs.
scenario { extends = "base" }
meta_ai.stages = v2
