mod ra202;
mod ra203;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[&ra202::RULE, &ra203::RULE];
