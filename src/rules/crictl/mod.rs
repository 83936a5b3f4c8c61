//! RA7xx: crictl.

mod common;

area_rules!(ra701, ra702, ra703);
