//! The admin form (and a stopped listener's editable fields) as typed, into a listener config.
//! Every problem names its field, so the UI can show it next to the field.

use crate::error::{CommandError, ErrorKind};
use serde::{Deserialize, Serialize};
use tcpmon_relay::rules::RulesSource;
use tcpmon_relay::{BindCheck, Fault, ListenerConfig, ListenerText, TargetTls};

/// The form's fields, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListenerForm {
    /// Listen port; `0` picks a free one.
    pub port: String,
    /// Bind address; empty means 127.0.0.1.
    pub bind: String,
    /// HTTP proxy mode instead of a fixed target.
    pub proxy: bool,
    /// Target host name or IP literal (IPv6 with or without brackets).
    pub target_host: String,
    /// Target port.
    pub target_port: String,
    /// `host:port` of an upstream HTTP proxy, or empty.
    pub upstream_proxy: String,
    /// Slow link: bytes per pause, or empty.
    pub slow_bytes: String,
    /// Slow link: delay in milliseconds, or empty.
    pub slow_delay_ms: String,
    /// Forward mode: rewrite each request's Host header to the target.
    #[serde(default)]
    pub rewrite_host: bool,
    /// Forward mode: speak TLS to the target.
    #[serde(default)]
    pub target_tls: bool,
    /// PEM files trusted besides the system's store, with `target_tls` or `decrypt_tls`
    /// ("Target CA...").
    #[serde(default)]
    pub target_ca: Vec<String>,
    /// Accept any certificate from the target (or a decrypting proxy's origins), with
    /// `target_tls` or `decrypt_tls`.
    #[serde(default)]
    pub insecure: bool,
    /// Clients speak TLS to the listener, which shows a certificate from the local CA.
    #[serde(default)]
    pub listen_tls: bool,
    /// Proxy mode: decrypt CONNECT tunnels whose client speaks TLS ("Decrypt HTTPS").
    #[serde(default)]
    pub decrypt_tls: bool,
    /// With `decrypt_tls`: host globs whose tunnels pass through untouched, one per line or
    /// comma-separated (`*.bank.example`).
    #[serde(default)]
    pub no_decrypt: String,
    /// Faults to inject, one per line in `--fault`'s syntax (`latency=200ms~50ms`,
    /// `status=503,p=0.5`); blank lines are skipped.
    #[serde(default)]
    pub faults: String,
    /// The Rules panel's rules: the JSON text `tcpmon-cli --rules` reads, and the folder its
    /// `bodyFile`s are relative to (the imported file's); null for none.
    #[serde(default)]
    pub rules: Option<RulesSource>,
}

/// The bind address field as [`ListenerForm::parse`] reads it (empty means 127.0.0.1): whether
/// only this machine can reach it, or why it is not an address. The engine's own rule, which
/// the Admin tab asks for as the user types.
pub fn check_bind(text: &str) -> BindCheck {
    if text.trim().is_empty() {
        return BindCheck {
            loopback: true,
            error: None,
        };
    }
    tcpmon_relay::check_bind(text)
}

impl ListenerForm {
    /// The listener config the form describes, by the rule the command lines share. In proxy
    /// mode the target fields are ignored: the form keeps them for when forward mode is back;
    /// so are the target CA files and `insecure` without `target_tls` or `decrypt_tls`. A
    /// decrypting proxy's origins are verified as they say (the system's store alone when
    /// neither is set, as `--decrypt-tls` alone on the command line).
    pub fn parse(&self) -> Result<ListenerConfig, CommandError> {
        let slow = !(self.slow_bytes.trim().is_empty() && self.slow_delay_ms.trim().is_empty());
        let text = ListenerText {
            listen_port: &self.port,
            bind: &self.bind,
            target: (!self.proxy).then_some((self.target_host.as_str(), self.target_port.as_str())),
            upstream_proxy: &self.upstream_proxy,
            slow_link: slow.then_some((self.slow_bytes.as_str(), self.slow_delay_ms.as_str())),
            rewrite_host: self.rewrite_host,
        };
        let mut config = text.parse()?;
        config.listen_tls = self.listen_tls;
        config.decrypt_tls = self.decrypt_tls;
        config.no_decrypt = host_list(&self.no_decrypt);
        config.faults = faults(&self.faults)?;
        config.rules = crate::rules::listener_rules(self.rules.as_ref(), &config.mode)?;
        let origins =
            self.proxy && self.decrypt_tls && (!self.target_ca.is_empty() || self.insecure);
        config.target_tls = (self.target_tls || origins).then(|| TargetTls {
            ca_files: self.target_ca.clone(),
            insecure: self.insecure,
            ..TargetTls::default()
        });
        config.validate()?;
        Ok(config)
    }
}

/// The faults typed one per line, read by the parser `--fault` uses; a line it refuses is
/// named with the parser's reason, on the `faults` field.
fn faults(text: &str) -> Result<Vec<Fault>, CommandError> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.parse().map_err(|reason| {
                CommandError::new(ErrorKind::InvalidInput, format!("fault {line:?}: {reason}"))
                    .on("faults")
            })
        })
        .collect()
}

/// The entries of a list typed one per line or comma-separated, without blanks.
fn host_list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_relay::{HostPort, Mode, SlowLink};

    fn form() -> ListenerForm {
        ListenerForm {
            port: "8081".into(),
            target_host: "example.org".into(),
            target_port: "80".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_forward_form_becomes_a_loopback_listener() {
        let config = form().parse().unwrap();
        assert_eq!(config.port, 8081);
        assert_eq!(
            config.mode,
            Mode::Forward {
                target: HostPort::new("example.org", 80)
            }
        );
        assert!(!config.binds_beyond_loopback());
    }

    #[test]
    fn ipv6_literals_and_options_are_accepted() {
        let f = ListenerForm {
            target_host: "[::1]".into(),
            bind: "::1".into(),
            upstream_proxy: "proxy.test:3128".into(),
            slow_bytes: "100".into(),
            slow_delay_ms: "50".into(),
            rewrite_host: true,
            ..form()
        };
        let config = f.parse().unwrap();
        assert_eq!(config.rewritten_host().as_deref(), Some("[::1]"));
        assert_eq!(
            config.mode,
            Mode::Forward {
                target: HostPort::new("::1", 80)
            }
        );
        assert_eq!(
            config.upstream_proxy,
            Some(HostPort::new("proxy.test", 3128))
        );
        assert_eq!(
            config.slow_link,
            Some(SlowLink {
                bytes_per_pause: 100,
                delay_ms: 50
            })
        );
    }

    /// The relay's table of mistakes, typed into the form: the same field, the same words.
    #[test]
    fn each_mistake_names_its_field() {
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../relay/tests/listener_cases.json")).unwrap();
        assert!(cases.len() > 10);
        for case in cases {
            let mut typed = serde_json::to_value(ListenerForm::default()).unwrap();
            for (key, value) in case.as_object().unwrap() {
                typed[key] = value.clone();
            }
            let form: ListenerForm = serde_json::from_value(typed).unwrap();
            let err = form.parse().unwrap_err();
            assert_eq!(err.field, case["field"].as_str(), "{form:?}");
            assert_eq!(err.message, case["message"].as_str().unwrap(), "{form:?}");
        }
    }

    #[test]
    fn the_bind_check_reads_the_field_as_the_form_does() {
        for (text, loopback) in [
            ("", true),
            (" ", true),
            ("localhost", true),
            ("0.0.0.0", false),
        ] {
            let check = check_bind(text);
            assert_eq!((check.loopback, check.error), (loopback, None), "{text:?}");
            let parsed = ListenerForm {
                bind: text.into(),
                ..form()
            }
            .parse()
            .unwrap();
            assert_eq!(parsed.binds_beyond_loopback(), !loopback, "{text:?}");
        }
        let bad = check_bind("my.host");
        assert!(!bad.loopback && bad.error.is_some());
    }

    /// The admin form, the app's command line and the CLI share one rule; here the form and
    /// the command line meet the cases they once disagreed on.
    #[test]
    fn the_form_says_what_the_command_line_says() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let launched = crate::launch::parse(&args(&["8081", "example.org", "0"])).unwrap_err();
        let typed = ListenerForm {
            target_port: "0".into(),
            ..form()
        }
        .parse()
        .unwrap_err();
        assert_eq!(typed, CommandError::from(launched));
        assert_eq!(
            typed.message,
            "target port 0 cannot be dialled: use a port from 1 to 65535"
        );
        let launched = crate::launch::parse(&args(&["80a"])).unwrap_err();
        let typed = ListenerForm {
            port: "80a".into(),
            proxy: true,
            ..form()
        }
        .parse()
        .unwrap_err();
        assert_eq!(typed, CommandError::from(launched));
        let proxy = ListenerForm {
            proxy: true,
            ..form()
        };
        assert_eq!(
            proxy.parse(),
            Ok(crate::launch::parse(&args(&["8081"])).unwrap().unwrap()),
            "one port is a proxy, in the form as on the command line"
        );
    }

    #[test]
    fn tls_options_go_on_the_config() {
        let f = ListenerForm {
            target_tls: true,
            target_ca: vec!["/certs/dev.pem".into()],
            insecure: true,
            listen_tls: true,
            ..form()
        };
        let config = f.parse().unwrap();
        assert!(config.listen_tls);
        assert_eq!(
            config.target_tls,
            Some(TargetTls {
                ca_files: vec!["/certs/dev.pem".into()],
                insecure: true,
                ..TargetTls::default()
            })
        );
        let kept = ListenerForm {
            target_tls: false,
            ..f.clone()
        };
        assert_eq!(
            kept.parse().unwrap().target_tls,
            None,
            "CA files kept, not used"
        );
        let proxy = ListenerForm { proxy: true, ..f };
        let err = proxy.parse().unwrap_err();
        assert_eq!(err.field, Some("target_tls"));
        assert_eq!(
            err.message,
            tcpmon_relay::ConfigError::TargetTlsInProxyMode.to_string(),
            "the engine's one rule and words"
        );
    }

    #[test]
    fn a_decrypting_proxy_takes_its_host_list_and_verifies_origins_as_the_form_says() {
        let f = ListenerForm {
            proxy: true,
            decrypt_tls: true,
            no_decrypt: "*.bank.example, pinned.example\n\n  api.example \n".into(),
            ..form()
        };
        let config = f.parse().unwrap();
        assert!(config.decrypt_tls);
        assert_eq!(
            config.no_decrypt,
            ["*.bank.example", "pinned.example", "api.example"]
        );
        assert_eq!(config.target_tls, None, "origins: the system's store");
        let trusting = ListenerForm {
            target_ca: vec!["/certs/dev.pem".into()],
            insecure: true,
            ..f.clone()
        };
        assert_eq!(
            trusting.parse().unwrap().target_tls,
            Some(TargetTls {
                ca_files: vec!["/certs/dev.pem".into()],
                insecure: true,
                ..TargetTls::default()
            }),
            "Target CA... and Accept any certificate apply to the origins"
        );
        let plain = ListenerForm {
            decrypt_tls: false,
            no_decrypt: String::new(),
            ..trusting
        };
        assert_eq!(plain.parse().unwrap().target_tls, None, "kept, not used");
    }

    #[test]
    fn decryption_mistakes_name_their_field_in_the_engines_words() {
        use tcpmon_relay::ConfigError;
        let proxy = ListenerForm {
            proxy: true,
            decrypt_tls: true,
            ..form()
        };
        let cases = [
            (
                ListenerForm {
                    decrypt_tls: false,
                    no_decrypt: "*.bank.example".into(),
                    ..proxy.clone()
                },
                "no_decrypt",
                ConfigError::NoDecryptWithoutDecrypt,
            ),
            (
                ListenerForm {
                    no_decrypt: "ok.example\nbank example".into(),
                    ..proxy.clone()
                },
                "no_decrypt",
                ConfigError::NoDecryptPattern {
                    pattern: "bank example".into(),
                },
            ),
            (
                ListenerForm {
                    proxy: false,
                    ..proxy
                },
                "target_tls",
                ConfigError::DecryptInForwardMode,
            ),
        ];
        for (f, field, engine) in cases {
            let err = f.parse().unwrap_err();
            assert_eq!(
                (err.field, err.message),
                (Some(field), engine.to_string()),
                "{f:?}"
            );
        }
    }

    #[test]
    fn faults_are_read_one_a_line_as_the_command_line_reads_them() {
        let typed = ListenerForm {
            faults: "latency=200ms~50ms\n\n  slice=64,dir=down \nstatus=503,p=0.5\n".into(),
            ..form()
        };
        let config = typed.parse().unwrap();
        let cli: Vec<Fault> = [
            "latency=200ms~50ms",
            "slice=64,dir=down",
            "status=503,p=0.5",
        ]
        .iter()
        .map(|text| text.parse().unwrap())
        .collect();
        assert_eq!(config.faults, cli);
        let bad = ListenerForm {
            faults: "latency=200ms\nstatus=42".into(),
            ..form()
        }
        .parse()
        .unwrap_err();
        assert_eq!(bad.kind, ErrorKind::InvalidInput);
        assert_eq!(bad.field, Some("faults"));
        let reason = "status=42".parse::<Fault>().unwrap_err();
        assert_eq!(bad.message, format!("fault \"status=42\": {reason}"));
    }

    /// The rules go with the form into the settings and back unchanged, and the listener they
    /// start keeps them as the same text and folder (what the window reopens it with).
    #[test]
    fn rules_round_trip_through_the_settings_and_the_listener() {
        let rules = RulesSource {
            text: r#"[{"when": "path:/api", "on": "response", "then": {"setHeader": {"X-Debug": "1"}}}]"#
                .into(),
            folder: "/tmp".into(),
        };
        let typed = ListenerForm {
            rules: Some(rules.clone()),
            ..form()
        };
        let saved = serde_json::to_string(&typed).unwrap();
        assert_eq!(serde_json::from_str::<ListenerForm>(&saved).unwrap(), typed);
        let config = typed.parse().unwrap();
        assert_eq!(config.rules.0.as_ref().unwrap().source(), &rules);
        let info = serde_json::to_value(&config).unwrap();
        assert_eq!(info["rules"], serde_json::to_value(&rules).unwrap());
        // Saved by a build without rules: none.
        let mut old = serde_json::to_value(form()).unwrap();
        old.as_object_mut().unwrap().remove("rules");
        assert_eq!(
            serde_json::from_value::<ListenerForm>(old).unwrap().rules,
            None
        );
    }

    /// The texts the window writes a running listener's faults as (`faultText`, whose UI test
    /// reads the same file) are read back to the same faults.
    #[test]
    fn the_windows_fault_texts_read_back_to_their_faults() {
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../tests/fault_texts.json")).unwrap();
        for case in cases {
            let text = case["text"].as_str().unwrap();
            let fault: Fault = serde_json::from_value(case["fault"].clone()).unwrap();
            assert_eq!(text.parse::<Fault>(), Ok(fault), "{text}");
        }
    }

    #[test]
    fn proxy_mode_ignores_the_target_fields() {
        let f = ListenerForm {
            proxy: true,
            target_host: "".into(),
            target_port: "".into(),
            ..form()
        };
        assert_eq!(f.parse().unwrap().mode, Mode::HttpProxy);
    }
}
