//! RA5xx: the kubelet's command line and config file.

pub(crate) mod settings;

area_rules!(ra501, ra502, ra503, ra504, ra505, ra506, ra507);
