//! RA2xx: the cgroup driver.

area_rules!(ra201, ra202, ra203, ra204, ra205);
