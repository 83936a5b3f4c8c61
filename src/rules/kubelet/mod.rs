//! RA5xx: the kubelet's command line and config file.

pub(crate) mod common;
mod ra501;
mod ra502;
mod ra503;
mod ra504;
mod ra505;
mod ra506;
mod ra507;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[
    &ra501::RULE,
    &ra502::RULE,
    &ra503::RULE,
    &ra504::RULE,
    &ra505::RULE,
    &ra506::RULE,
    &ra507::RULE,
];
