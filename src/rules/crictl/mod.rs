//! RA7xx: crictl.

mod recommended;

area_rules!(ra701, ra702, ra703);
