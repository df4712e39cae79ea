//! The deployment files agree with the code: the call graph is derived from the services' own
//! configuration (`--<service>-url` flags) and event handlers (`bazaar::topology`), never written
//! down by hand, and the Kubernetes network policies must allow exactly that graph, the config maps
//! and the compose file must wire exactly those addresses.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

use bazaar::topology::{self, ServiceInfo};
use serde::Deserialize as _;
use yaml_serde::Value;

fn repo_file(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn documents(path: &str) -> Vec<Value> {
    let text = repo_file(path);
    yaml_serde::Deserializer::from_str(&text)
        .map(|document| Value::deserialize(document).unwrap())
        .filter(|value| !value.is_null())
        .collect()
}

/// Who talks to whom over gRPC: calls, plus direct event deliveries (source → consumer).
fn graph() -> BTreeMap<&'static str, BTreeSet<String>> {
    let all = topology::services();
    all.iter()
        .map(|service: &ServiceInfo| {
            let mut targets: BTreeSet<String> = service.calls().into_iter().collect();
            targets.extend(topology::sinks_of(service, &all).into_iter().map(str::to_owned));
            (service.name, targets)
        })
        .collect()
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(value, |value, key| value.get(key))?.as_str()
}

/// The services named by `app.kubernetes.io/name` in a list of policy peers.
fn peer_names(rules: Option<&Value>, direction: &str) -> (BTreeSet<String>, bool) {
    let mut names = BTreeSet::new();
    let mut from_anywhere = false;
    for rule in rules.and_then(Value::as_sequence).into_iter().flatten() {
        match rule.get(direction).and_then(Value::as_sequence) {
            None => from_anywhere = true,
            Some(peers) => {
                for peer in peers {
                    if let Some(name) =
                        str_at(peer, &["podSelector", "matchLabels", "app.kubernetes.io/name"])
                    {
                        names.insert(name.to_owned());
                    }
                }
            }
        }
    }
    (names, from_anywhere)
}

#[test]
fn network_policies_allow_exactly_the_call_graph() {
    let graph = graph();
    let policies: BTreeMap<String, Value> = documents("deploy/k8s/base/network-policies.yaml")
        .into_iter()
        .filter(|doc| str_at(doc, &["kind"]) == Some("NetworkPolicy"))
        .map(|doc| (str_at(&doc, &["metadata", "name"]).unwrap().to_owned(), doc))
        .collect();
    let default_deny = &policies["default-deny"];
    assert!(default_deny["spec"]["podSelector"].as_mapping().unwrap().is_empty());
    assert_eq!(default_deny["spec"]["policyTypes"].as_sequence().unwrap().len(), 2);

    for (service, callees) in &graph {
        let policy = policies.get(*service).unwrap_or_else(|| panic!("no policy for {service}"));
        let spec = &policy["spec"];
        assert_eq!(
            str_at(spec, &["podSelector", "matchLabels", "app.kubernetes.io/name"]),
            Some(*service)
        );
        let (egress, _) = peer_names(spec.get("egress"), "to");
        assert_eq!(&egress, callees, "{service} may reach exactly what it calls or delivers to");
        let callers: BTreeSet<String> = graph
            .iter()
            .filter(|(_, targets)| targets.contains(*service))
            .map(|(caller, _)| (*caller).to_owned())
            .collect();
        let (ingress, from_anywhere) = peer_names(spec.get("ingress"), "from");
        if *service == "gateway" {
            assert!(from_anywhere, "the gateway is reachable from outside");
            assert!(callers.is_empty(), "no service calls the gateway");
        } else {
            assert!(!from_anywhere, "{service} must not be reachable from anywhere");
            assert_eq!(
                ingress, callers,
                "{service} is reachable exactly by its callers and sources"
            );
        }
    }
    let known: BTreeSet<&str> = graph.keys().copied().collect();
    for name in policies.keys() {
        assert!(
            known.contains(name.as_str())
                || ["default-deny", "allow-infrastructure"].contains(&name.as_str()),
            "unexpected policy {name}"
        );
    }
}

fn url_keys(variables: &Value) -> BTreeSet<String> {
    let services: BTreeSet<String> = graph().keys().map(|name| (*name).to_owned()).collect();
    variables
        .as_mapping()
        .unwrap()
        .keys()
        .filter_map(|key| key.as_str()?.strip_prefix("BAZAAR_")?.strip_suffix("_URL"))
        .map(str::to_ascii_lowercase)
        .filter(|name| services.contains(name))
        .collect()
}

#[test]
fn config_maps_and_compose_wire_exactly_the_called_services() {
    let compose = {
        let mut value: Value = yaml_serde::from_str(&repo_file("deploy/compose.yaml")).unwrap();
        value.apply_merge().unwrap();
        value
    };
    for service in topology::services() {
        let calls: BTreeSet<String> = service.calls().into_iter().collect();
        let manifest = documents(&format!("deploy/k8s/base/{}.yaml", service.name));
        let config_map = manifest
            .iter()
            .find(|doc| str_at(doc, &["kind"]) == Some("ConfigMap"))
            .unwrap_or_else(|| panic!("{} has no config map", service.name));
        assert_eq!(url_keys(&config_map["data"]), calls, "{} config map", service.name);
        for kind in ["Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"] {
            assert!(
                manifest.iter().any(|doc| str_at(doc, &["kind"]) == Some(kind)),
                "{} has no {kind}",
                service.name
            );
        }
        let mut environment = compose["services"][service.name]["environment"].clone();
        environment.apply_merge().unwrap();
        assert_eq!(url_keys(&environment), calls, "{} in compose.yaml", service.name);
    }
}

#[test]
fn every_service_is_deployed_hardened() {
    for service in topology::services() {
        let manifest = documents(&format!("deploy/k8s/base/{}.yaml", service.name));
        let deployment =
            manifest.iter().find(|doc| str_at(doc, &["kind"]) == Some("Deployment")).unwrap();
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true));
        let container = &pod["containers"][0];
        let security = &container["securityContext"];
        assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true), "{}", service.name);
        assert_eq!(security["allowPrivilegeEscalation"].as_bool(), Some(false));
        assert_eq!(security["capabilities"]["drop"][0].as_str(), Some("ALL"));
        for probe in ["readinessProbe", "livenessProbe"] {
            assert!(!container[probe].is_null(), "{} has no {probe}", service.name);
        }
        let limits = &container["resources"]["limits"]["memory"];
        assert!(limits.as_str().is_some(), "{} has a memory limit", service.name);
        let grpc_probe = !container["readinessProbe"]["grpc"].is_null();
        assert_eq!(grpc_probe, service.name != "gateway", "gRPC probes for gRPC services");
        let headless = manifest
            .iter()
            .find(|doc| str_at(doc, &["kind"]) == Some("Service"))
            .and_then(|service| str_at(service, &["spec", "clusterIP"]))
            == Some("None");
        assert_eq!(headless, service.name != "gateway", "headless Services for gRPC balancing");
    }
}
