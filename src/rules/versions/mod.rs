//! RA9xx: versions and support.

area_rules!(ra901, ra902, ra903);
