//! RA6xx: kubeadm and the Node object.

mod common;
mod ra601;
mod ra602;
mod ra603;

use crate::engine::Rule;

pub static RULES: &[&Rule] = &[&ra601::RULE, &ra602::RULE, &ra603::RULE];
