//! `tuphap sim all` also serves the OpenID Connect provider double (citizen login): discovery
//! with the issuer of the address it is reached at, the login page for a client given with
//! `--oidc-client`, and a signing key that survives SIGKILL and restart on the same state file.

use serde_json::Value;

use super::sim::start_sim;

async fn get_json(url: &str) -> Value {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn sim_all_serves_the_oidc_provider_and_keeps_its_key_across_restarts() {
    let dir = tuphap_testkit::temp_dir();
    let state = dir.path().join("sim-state.json");
    let state_arg = state.to_str().unwrap();
    let client = "rp:s3cret:http://127.0.0.1:9/citizen/callback";
    let sim = start_sim(&["--state", state_arg, "--oidc-client", client]);
    let d = get_json(&format!("{}/.well-known/openid-configuration", sim.url)).await;
    assert_eq!(d["issuer"], sim.url.as_str());
    assert_eq!(d["code_challenge_methods_supported"][0], "S256");
    let jwks = get_json(&format!("{}/jwks", sim.url)).await;
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    let page = reqwest::get(format!(
        "{}/authorize?client_id=rp&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcitizen%2Fcallback\
         &response_type=code&scope=openid&state=s&nonce=n\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        sim.url
    ))
    .await
    .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("VNeID (mô phỏng)"));
    drop(sim);
    let sim = start_sim(&["--state", state_arg]);
    let again = get_json(&format!("{}/jwks", sim.url)).await;
    assert_eq!(again, jwks, "same key after a restart");
}
