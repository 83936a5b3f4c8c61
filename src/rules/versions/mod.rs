//! RA9xx: versions and support.

mod ra901;
mod ra902;
mod ra903;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[&ra901::RULE, &ra902::RULE, &ra903::RULE];
