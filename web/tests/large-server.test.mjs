// @ts-check
/**
 * @file Large-server mode in the browser (issue 20): above `limits.large_server_members`
 * `ready` carries no member list; the member list asks for its visible range
 * (`watch_members`), still shows the members, pages, and shows their presence live.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { suite } from "./lib/suite.mjs";
import { newPage, screenshot } from "./lib/browser.mjs";
import { Api } from "./lib/api.mjs";
import { logIn } from "./lib/ui.mjs";

// Five members counts as large above 3.
const s = suite({ env: { SPECTRUS_LARGE_SERVER_MEMBERS: "3" } });
/** @type {{ page: import("playwright-core").Page, context: import("playwright-core").BrowserContext }} */ let O;
/** @type {{ page: import("playwright-core").Page, context: import("playwright-core").BrowserContext }} */ let B;

before(async () => {
  await s.ready;
  const owner = await new Api(s.daemon.url).claim();
  for (const name of ["alice", "bob", "carol", "dave"]) {
    await owner.invite(name, { display_name: name[0].toUpperCase() + name.slice(1) });
  }
  O = await newPage(s.browser, s.problems, { who: "owner", baseURL: s.daemon.url });
  B = await newPage(s.browser, s.problems, { who: "bob", baseURL: s.daemon.url });
  await logIn(O.page, "owner");
});

after(async () => {
  await O?.context.close();
  await B?.context.close();
});

test("the member list shows the watched range and a watched member's login live", async () => {
  const list = O.page.getByRole("complementary", { name: "Members" });
  const offline = list.getByRole("region", { name: /^Offline/ });
  const online = list.getByRole("region", { name: /^Online/ });
  // Everyone is in the first range of 100: all four others offline, the pager says 1–5 of 5.
  for (const name of ["Alice", "Bob", "Carol", "Dave"]) {
    await offline.getByRole("button", { name }).waitFor();
  }
  await list.getByText("1–5 of 5").waitFor();
  assert.equal(await list.getByRole("button", { name: "Next" }).isDisabled(), true);
  // Bob logs in: the owner watches him (he is in the visible range) and sees him online.
  await logIn(B.page, "bob");
  await online.getByRole("button", { name: "Bob" }).waitFor();
  assert.equal(await offline.getByRole("button", { name: "Bob" }).count(), 0);
  await screenshot(O.page, "large-server-members");
});
