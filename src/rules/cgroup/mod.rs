//! RA2xx: the cgroup driver.

mod ra201;
mod ra204;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[&ra201::RULE, &ra204::RULE];
