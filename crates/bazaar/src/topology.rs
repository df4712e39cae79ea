//! The shop's services and how they depend on each other, derived from the code rather than
//! written down twice: a service calls another when its configuration has a `--<other>-url` flag,
//! and it consumes the event types its handler declares. Events are emitted by the service named
//! in their type (`bazaar.<service>.<event>.v1`).

use clap::CommandFactory;

/// One service of the shop.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    /// Name, e.g. `catalog`.
    pub name: &'static str,
    /// Its command-line flags.
    pub command: clap::Command,
    /// Event types it consumes.
    pub consumes: &'static [&'static str],
}

fn info<C: CommandFactory>(name: &'static str, consumes: &'static [&'static str]) -> ServiceInfo {
    ServiceInfo { name, command: C::command(), consumes }
}

/// Returns every service, in start order (dependencies first, the gateway last).
pub fn services() -> Vec<ServiceInfo> {
    vec![
        info::<bazaar_identity::Config>("identity", &[]),
        info::<bazaar_catalog::Config>("catalog", &[]),
        info::<bazaar_inventory::Config>("inventory", bazaar_inventory::CONSUMES),
        info::<bazaar_cart::Config>("cart", bazaar_cart::CONSUMES),
        info::<bazaar_payment::Config>("payment", &[]),
        info::<bazaar_shipping::Config>("shipping", &[]),
        info::<bazaar_orders::Config>("orders", bazaar_orders::CONSUMES),
        info::<bazaar_notification::Config>("notification", bazaar_notification::CONSUMES),
        info::<bazaar_recommendation::Config>("recommendation", bazaar_recommendation::CONSUMES),
        info::<bazaar_gateway::Config>("gateway", &[]),
    ]
}

impl ServiceInfo {
    /// Tells whether the service takes the long flag `--<flag>`.
    pub fn accepts(&self, flag: &str) -> bool {
        self.command.get_arguments().any(|argument| argument.get_long() == Some(flag))
    }

    /// Returns the services it calls over gRPC (one `--<service>-url` flag each).
    pub fn calls(&self) -> Vec<String> {
        let names: Vec<&str> = services_names();
        self.command
            .get_arguments()
            .filter_map(|argument| argument.get_long()?.strip_suffix("-url"))
            .filter(|name| names.contains(name))
            .map(ToOwned::to_owned)
            .collect()
    }

    /// Returns the event types it emits.
    pub fn emits(&self) -> Vec<&'static str> {
        bazaar_contracts::EVENT_TYPES
            .iter()
            .copied()
            .filter(|event_type| bazaar_contracts::source_of(event_type) == Some(self.name))
            .collect()
    }
}

fn services_names() -> Vec<&'static str> {
    vec![
        "gateway",
        "identity",
        "catalog",
        "inventory",
        "cart",
        "orders",
        "payment",
        "shipping",
        "notification",
        "recommendation",
    ]
}

/// Returns the services that consume at least one event `emitter` emits: its direct-transport sinks.
pub fn sinks_of(emitter: &ServiceInfo, all: &[ServiceInfo]) -> Vec<&'static str> {
    let emitted = emitter.emits();
    all.iter()
        .filter(|consumer| consumer.consumes.iter().any(|event_type| emitted.contains(event_type)))
        .map(|consumer| consumer.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_calls_the_catalog() {
        let all = services();
        let gateway = all.iter().find(|service| service.name == "gateway").unwrap();
        assert!(gateway.calls().contains(&"catalog".to_owned()));
        assert!(gateway.accepts("listen"));
    }

    #[test]
    fn emitters_are_named_by_event_types() {
        let all = services();
        let catalog = all.iter().find(|service| service.name == "catalog").unwrap();
        assert_eq!(catalog.emits(), vec!["bazaar.catalog.product_changed.v1"]);
    }

    #[test]
    fn every_consumed_event_has_an_emitter() {
        let all = services();
        for service in &all {
            for event_type in service.consumes {
                let source = bazaar_contracts::source_of(event_type).unwrap();
                assert!(
                    all.iter().any(|other| other.name == source),
                    "{event_type} has no emitter"
                );
            }
        }
    }

    #[test]
    fn every_consumed_event_names_a_service_as_its_emitter() {
        for service in services() {
            for event_type in service.consumes {
                let source = bazaar_contracts::source_of(event_type).unwrap();
                assert!(services_names().contains(&source), "{event_type} names no service");
            }
        }
    }

    #[test]
    fn inventory_receives_the_catalogs_events() {
        let all = services();
        let catalog = all.iter().find(|service| service.name == "catalog").unwrap();
        assert_eq!(sinks_of(catalog, &all), vec!["inventory"]);
    }
}
