//! The containerd release a rule's verdict is for: the one in the snapshot, with what the
//! verdict assumes recorded on the rule's status when the release was not given or found.

use crate::engine::{Emitter, Location};
use crate::model::{Input, NodeSnapshot, VersionFact, VersionOrigin};
use crate::release::{ContainerdRelease, KubeletRelease};
use crate::vocabulary::RuleCase;

/// The containerd release at hand; records the assumption (an assumed line, or no release
/// known at all) on the emitter.
pub(crate) fn containerd_release<'s, C: RuleCase>(
    snap: &'s NodeSnapshot,
    out: &mut Emitter<C>,
) -> &'s ContainerdRelease {
    let release = &snap.versions.containerd;
    if let Some(assumption) = release.assumption() {
        out.assume(assumption);
    }
    release
}

/// The kubelet release and a containerd release given or found (not assumed), or None after
/// marking the rule inconclusive: rules that judge the pair need both versions for real.
pub(crate) fn kubelet_and_containerd<'s, C: RuleCase>(
    snap: &'s NodeSnapshot,
    out: &mut Emitter<C>,
) -> Option<(&'s KubeletRelease, &'s ContainerdRelease, &'s VersionFact)> {
    let containerd = &snap.versions.containerd;
    match (&snap.versions.kubelet, containerd.known_fact()) {
        (Some(kubelet), Some(fact)) => Some((kubelet, containerd, fact)),
        _ => {
            out.inconclusive("needs both the kubelet and the containerd version (pass --kubernetes-version and --containerd-version, or --node-file)");
            None
        }
    }
}

/// Where the containerd version was read (the Node object), else containerd's config file.
pub(crate) fn containerd_version_location(snap: &NodeSnapshot, fact: &VersionFact) -> Location {
    match (&fact.origin, &snap.containerd) {
        (VersionOrigin::NodeObject { span, .. }, _) => Location::Span(*span),
        (_, Input::Present(cfg)) => Location::Path(cfg.path.clone()),
        _ => Location::Path(crate::collect::CONTAINERD_CONFIG.to_string()),
    }
}
