//! RA1xx: containerd's config and the CRI plugin.

pub(crate) mod common;
mod ra101;
mod ra102;
mod ra103;
mod ra104;
mod ra105;
mod ra106;
mod ra107;
mod ra108;
mod ra109;
mod ra110;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[
    &ra101::RULE,
    &ra102::RULE,
    &ra103::RULE,
    &ra104::RULE,
    &ra105::RULE,
    &ra106::RULE,
    &ra107::RULE,
    &ra108::RULE,
    &ra109::RULE,
    &ra110::RULE,
];
