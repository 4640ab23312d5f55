//! `tuphap exchange subscriptions|subscribe|enable|disable|dead-letters|requeue|stats`: the
//! outbox for an operator on the server. The command line acts as `(dòng lệnh)` in the audit
//! log, as `tuphap user add` does (whoever runs it holds the data directory and the database
//! URL). Exit codes: 0 done, 1 refused (bad input, not found, …: the coded reason on stderr),
//! 2 error (the database cannot be opened or fails).

use std::process::ExitCode;

use anyhow::Result;
use clap::{ArgGroup, Subcommand};
use tuphap_domain::exchange::outbox::{DeadLetterFilter, SubscriptionInput, format_time_vn};
use tuphap_domain::{App, DomainError, ErrorKind, RequestMeta};

use crate::GlobalArgs;

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// List the subscriptions of partner subsystems (table).
    Subscriptions,
    /// Register a subscription, or update its change kinds, endpoint and state.
    Subscribe {
        /// X-Road id of the receiving subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM.
        #[arg(long)]
        subscriber: String,
        /// Service name (A-Z a-z 0-9 _ . -), e.g. civil-events.
        #[arg(long)]
        service: String,
        /// Comma-separated entity:action patterns, * for any (birth:registered,death:*).
        #[arg(long)]
        takes: String,
        /// http:// or https:// URL of the receiver (the local X-Road security server).
        #[arg(long)]
        endpoint: String,
        /// Register it disabled (nothing is queued or sent until enabled).
        #[arg(long)]
        disabled: bool,
        /// For a new subscription: also send every earlier change (default: from now on).
        #[arg(long)]
        from_beginning: bool,
    },
    /// Enable a subscription (it catches up from where it stopped).
    Enable {
        #[arg(long)]
        subscriber: String,
        #[arg(long)]
        service: String,
    },
    /// Disable a subscription (nothing queued or sent to it until enabled again).
    Disable {
        #[arg(long)]
        subscriber: String,
        #[arg(long)]
        service: String,
    },
    /// List dead letters, newest first.
    DeadLetters {
        #[arg(long)]
        subscriber: Option<String>,
        #[arg(long)]
        service: Option<String>,
        /// At most this many (1–500).
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Put dead letters back in the queue, with a reason (audited).
    #[command(group(ArgGroup::new("which").required(true).args(["id", "all"])))]
    Requeue {
        /// The outbox id of one dead letter (see `dead-letters`).
        #[arg(long)]
        id: Option<i64>,
        /// Every dead letter of --subscriber (and --service).
        #[arg(long, requires = "subscriber")]
        all: bool,
        #[arg(long)]
        subscriber: Option<String>,
        #[arg(long, requires = "all")]
        service: Option<String>,
        /// Why they may now be delivered (required).
        #[arg(long)]
        reason: String,
    },
    /// Queue counts per subscriber and service (table).
    Stats,
}

/// Prints rows as a table with columns padded to their widest cell (by characters).
fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        println!("{}", s.trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r.clone());
    }
}

fn refused(e: &DomainError) -> ExitCode {
    eprintln!("Lỗi [{}]: {}", e.code, e.message);
    match e.kind {
        ErrorKind::Internal | ErrorKind::Unavailable => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

pub async fn run(g: &GlobalArgs, command: OutboxCommand) -> Result<ExitCode> {
    let store = match crate::open_store(g).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Lỗi: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let app = App::new(store.clone());
    let code = run_with(&app, command).await;
    store.close().await;
    Ok(code)
}

async fn run_with(app: &App, command: OutboxCommand) -> ExitCode {
    let meta = RequestMeta::default();
    match command {
        OutboxCommand::Subscriptions => match app.exchange_subscriptions(None).await {
            Ok(subs) if subs.is_empty() => {
                println!("Chưa có đăng ký nhận tin nào.");
                ExitCode::SUCCESS
            }
            Ok(subs) => {
                let rows: Vec<Vec<String>> = subs
                    .into_iter()
                    .map(|s| {
                        vec![
                            s.subscriber,
                            s.service,
                            if s.enabled { "bật" } else { "tắt" }.to_string(),
                            s.takes,
                            s.fed_up_to.to_string(),
                            s.endpoint_url,
                        ]
                    })
                    .collect();
                table(
                    &[
                        "BÊN NHẬN",
                        "DỊCH VỤ",
                        "TRẠNG THÁI",
                        "LOẠI THAY ĐỔI",
                        "ĐÃ XẾP ĐẾN",
                        "ĐỊA CHỈ NHẬN",
                    ],
                    &rows,
                );
                ExitCode::SUCCESS
            }
            Err(e) => refused(&e),
        },
        OutboxCommand::Subscribe {
            subscriber,
            service,
            takes,
            endpoint,
            disabled,
            from_beginning,
        } => {
            let input = SubscriptionInput {
                subscriber,
                service,
                takes,
                endpoint_url: endpoint,
                enabled: !disabled,
                from_beginning,
            };
            match app.exchange_upsert_subscription(None, &meta, input).await {
                Ok(saved) => {
                    let s = &saved.subscription;
                    println!(
                        "{} đăng ký nhận tin của {} cho dịch vụ {} ({}): nhận {}, gửi tới {}.",
                        if saved.created {
                            "Đã tạo"
                        } else {
                            "Đã cập nhật"
                        },
                        s.subscriber,
                        s.service,
                        if s.enabled {
                            "đang bật"
                        } else {
                            "đang tắt"
                        },
                        s.takes,
                        s.endpoint_url
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => refused(&e),
            }
        }
        OutboxCommand::Enable {
            subscriber,
            service,
        } => set_enabled(app, &meta, &subscriber, &service, true).await,
        OutboxCommand::Disable {
            subscriber,
            service,
        } => set_enabled(app, &meta, &subscriber, &service, false).await,
        OutboxCommand::DeadLetters {
            subscriber,
            service,
            limit,
        } => {
            let filter = DeadLetterFilter {
                subscriber,
                service,
                before_id: None,
                limit: Some(limit),
            };
            match app.exchange_dead_letters(None, &filter).await {
                Ok(page) if page.items.is_empty() => {
                    println!("Không có thư lỗi.");
                    ExitCode::SUCCESS
                }
                Ok(page) => {
                    let rows: Vec<Vec<String>> = page
                        .items
                        .into_iter()
                        .map(|d| {
                            vec![
                                d.id.to_string(),
                                d.message_id,
                                d.subscriber,
                                d.service,
                                d.attempts.to_string(),
                                format_time_vn(d.failed_at_micros),
                                d.last_error.unwrap_or_default(),
                            ]
                        })
                        .collect();
                    table(
                        &[
                            "SỐ",
                            "MÃ THƯ",
                            "BÊN NHẬN",
                            "DỊCH VỤ",
                            "LẦN GỬI",
                            "THỜI ĐIỂM",
                            "LỖI CUỐI",
                        ],
                        &rows,
                    );
                    if page.next_before_id.is_some() {
                        println!("(còn thư lỗi cũ hơn; tăng --limit để xem thêm)");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => refused(&e),
            }
        }
        OutboxCommand::Requeue {
            id,
            all,
            subscriber,
            service,
            reason,
        } => {
            let result = match (id, all, subscriber) {
                (Some(id), false, _) => app
                    .exchange_requeue(None, &meta, id, &reason)
                    .await
                    .map(|r| vec![r]),
                (_, true, Some(sub)) => {
                    app.exchange_requeue_all(None, &meta, &sub, service.as_deref(), &reason)
                        .await
                }
                _ => Err(DomainError::new(
                    ErrorKind::BadRequest,
                    "requeue_target_required",
                    "Cần --id N, hoặc --subscriber ID --all.",
                )),
            };
            match result {
                Ok(done) => {
                    for r in &done {
                        println!(
                            "Đã đưa lại thư {} (số {}, {} / {}) vào hàng đợi; lỗi trước đó sau {} lần gửi: {}.",
                            r.message_id,
                            r.id,
                            r.subscriber,
                            r.service,
                            r.previous_attempts,
                            r.previous_error.as_deref().unwrap_or("không ghi")
                        );
                    }
                    println!(
                        "Tổng cộng {} thư đưa lại hàng đợi; lý do đã ghi vào nhật ký kiểm tra.",
                        done.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => refused(&e),
            }
        }
        OutboxCommand::Stats => match app.exchange_outbox_stats(None).await {
            Ok(rows) if rows.is_empty() => {
                println!("Chưa có bên nhận nào đăng ký.");
                ExitCode::SUCCESS
            }
            Ok(rows) => {
                let rows: Vec<Vec<String>> = rows
                    .into_iter()
                    .map(|q| {
                        vec![
                            q.subscriber,
                            q.service,
                            if q.enabled { "bật" } else { "tắt" }.to_string(),
                            q.pending.to_string(),
                            q.delivering.to_string(),
                            q.delivered.to_string(),
                            q.dead.to_string(),
                            q.retrying.to_string(),
                            q.oldest_undelivered_age.unwrap_or_else(|| "—".into()),
                            q.last_error.unwrap_or_default(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "BÊN NHẬN",
                        "DỊCH VỤ",
                        "TRẠNG THÁI",
                        "CHỜ GỬI",
                        "ĐANG GỬI",
                        "ĐÃ GIAO",
                        "LỖI",
                        "CHỜ GỬI LẠI",
                        "CHƯA GIAO LÂU NHẤT",
                        "LỖI GẦN NHẤT",
                    ],
                    &rows,
                );
                ExitCode::SUCCESS
            }
            Err(e) => refused(&e),
        },
    }
}

async fn set_enabled(
    app: &App,
    meta: &RequestMeta,
    subscriber: &str,
    service: &str,
    enabled: bool,
) -> ExitCode {
    match app
        .exchange_set_subscription_enabled(None, meta, subscriber, service, enabled)
        .await
    {
        Ok(s) => {
            println!(
                "Đã {} đăng ký nhận tin của {} cho dịch vụ {}.",
                if enabled { "bật" } else { "tắt" },
                s.subscriber,
                s.service
            );
            ExitCode::SUCCESS
        }
        Err(e) => refused(&e),
    }
}
