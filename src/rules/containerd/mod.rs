//! RA1xx: containerd's config and the CRI plugin.

pub(crate) mod config_words;
pub(crate) mod layouts;

area_rules!(
    ra101, ra102, ra103, ra104, ra105, ra106, ra107, ra108, ra109, ra110, ra111, ra112
);
