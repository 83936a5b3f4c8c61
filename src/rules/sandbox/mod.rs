//! RA3xx: the sandbox (pause) image.

pub(crate) mod image_ref;

area_rules!(ra301, ra302, ra303, ra304);
