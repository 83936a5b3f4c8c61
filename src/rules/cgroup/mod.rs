//! RA2xx: the cgroup driver.

mod ra201;
mod ra202;
mod ra203;
mod ra204;
mod ra205;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[
    &ra201::RULE,
    &ra202::RULE,
    &ra203::RULE,
    &ra204::RULE,
    &ra205::RULE,
];
