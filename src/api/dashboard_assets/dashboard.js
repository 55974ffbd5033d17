// The county dashboard: reads the aggregate report endpoints with the bearer token and draws them.
// <body data-state> says where it is: loading | ready | partial (a section failed) | denied (401/403)
// | error | invalid (bad county/year in the address). No patient ref is ever requested or shown.

import { barChart, monthLineChart } from "./charts.js";
import { countText, moneyGeometry, moneyText, percentText, ratioGeometry } from "./figures.js";
import { adoptTokenFromFragment, authHeaders, currentToken, forgetToken, saveToken } from "./token.js";

const DEFAULTS = { county: "341821", year: "2018" };
const PAYERS = [
  { key: "ncms", label: "NCMS 新农合", colour: "#1f6fb2" },
  { key: "cii", label: "Critical illness 大病保险", colour: "#2e9d5b" },
  { key: "ma", label: "Assistance 民政救助", colour: "#d98c1f" },
  { key: "b351", label: "“351” backstop 兜底", colour: "#8e44ad" },
  { key: "s180", label: "“180” chronic 慢病", colour: "#c0392b" },
  { key: "s5090", label: "“5090” 工程", colour: "#16a2b8" },
  { key: "reassist", label: "Re-assistance 再救助", colour: "#6b7a1f" },
];
const RATIO_COLOUR = "#c2410c";
const HEADLINE = [
  ["person_times", "Person-times 就诊人次", "count"],
  ["inpatient_times", "Inpatient person-times 住院人次", "count"],
  ["total_cost", "Total cost 总费用", "money"],
  ["compensation", "Compensation 补偿金额", "money"],
  ["patient_share", "Patient share 个人自付", "money"],
  ["actual_compensation_ratio", "Actual compensation ratio 实际补偿比", "ratio"],
  ["in_county_visit_rate", "In-county visit rate 县域内就诊率", "ratio"],
  ["in_province_inpatient_ratio", "In-province inpatient ratio 省内住院实际补偿比", "ratio"],
  ["hospital_borne", "Hospital-borne 医院承担", "money"],
  ["follow_ups", "Follow-ups 随访人次", "count"],
  ["major_disease_treatment_rate", "Major-disease treatment rate 大病救治率", "ratio"],
  ["chronic_contract_rate", "Chronic-disease contract rate 慢病签约率", "ratio"],
];
const RETRO = [
  ["outstanding", "Outstanding 待补偿", "money"],
  ["settlements_outstanding", "Settlements outstanding 待补偿笔数", "count"],
  ["patients_outstanding", "Patients outstanding 待补偿人数", "count"],
  ["owed", "Owed in all 应补偿", "money"],
  ["paid", "Paid 已补偿", "money"],
];
const FORMAT = { count: countText, money: moneyText, ratio: percentText };

class ApiError extends Error {
  constructor(status, title, detail) {
    super(`${status} ${title}${detail ? `: ${detail}` : ""}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

const $ = (id) => document.getElementById(id);

function setState(state, message) {
  document.body.dataset.state = state;
  $("status").textContent = message;
  $("status").className = `status ${state}`;
}

function periodFromAddress() {
  const query = new URLSearchParams(window.location.search);
  const county = (query.get("county") || DEFAULTS.county).trim();
  const year = (query.get("year") || DEFAULTS.year).trim();
  if (!/^[0-9A-Za-z_-]{1,40}$/.test(county)) {
    return { error: `county must be a county code such as 341821, not “${county}”` };
  }
  if (!/^\d{4}$/.test(year) || Number(year) < 2000 || Number(year) > 2100) {
    return { error: `year must be a year from 2000 to 2100, not “${year}”` };
  }
  return { county, year };
}

async function report(path) {
  let response;
  try {
    response = await fetch(path, { headers: authHeaders(), cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, "API unreachable", String(error));
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not problem+json */ }
    throw new ApiError(response.status, problem.title || response.statusText, problem.detail || "");
  }
  return response.json();
}

function failureText(error) {
  if (error.status === 401 && currentToken()) {
    return `The token was refused (401 ${error.title}): ${error.detail}. Paste a valid dashboard token into ` +
      "“Token” above.";
  }
  if (error.status === 401) {
    return `Not signed in (401 ${error.title}): this page needs a dashboard token. Paste it into “Token” above, ` +
      `or open the page with #token=… at the end of its address. (The API said: ${error.detail})`;
  }
  if (error.status === 403) return `This token may not read these reports (403 ${error.title}): ${error.detail}`;
  if (error.status === 0) return `The ledger API did not answer: ${error.detail}`;
  return `The ledger answered ${error.message}`;
}

function figureList(target, spec, source) {
  target.replaceChildren(...spec.map(([key, label, kind]) => {
    const item = document.createElement("div");
    item.className = "figure";
    item.dataset.figure = key;
    const term = document.createElement("dt");
    term.textContent = label;
    const value = document.createElement("dd");
    value.dataset.value = source[key] === null ? "" : String(source[key]);
    value.textContent = FORMAT[kind](source[key]);
    item.append(term, value);
    return item;
  }));
}

function sectionMessage(target, error) {
  const message = document.createElement("p");
  message.className = "section-error";
  message.textContent = failureText(error);
  target.replaceChildren(message);
}

function tableRows(table, rows) {
  table.tBodies[0].replaceChildren(...rows.map(({ attributes, cells }) => {
    const tr = document.createElement("tr");
    for (const [name, value] of Object.entries(attributes)) tr.dataset[name] = value;
    for (const text of cells) tr.append(Object.assign(document.createElement("td"), { textContent: text }));
    return tr;
  }));
}

function renderYear(year) {
  figureList($("headline"), HEADLINE, year);
  barChart($("payer-chart"), PAYERS.map((payer) => ({
    ...payer, value: moneyGeometry(year.compensation_by_payer[payer.key]),
    text: moneyText(year.compensation_by_payer[payer.key]),
  })), `Compensation by payer, county ${year.county_code}, ${year.year}`);
}

function renderMonths(months, period) {
  const withData = months.filter((month) => month.person_times > 0);
  monthLineChart($("ratio-chart"), withData.map((month) => ({
    month: month.month, value: ratioGeometry(month.actual_compensation_ratio),
    text: percentText(month.actual_compensation_ratio),
  })), `Actual compensation ratio by month, county ${period.county}, ${period.year}`, RATIO_COLOUR);
  tableRows($("month-table"), withData.map((month) => ({
    attributes: { month: String(month.month) },
    cells: [String(month.month), countText(month.person_times), moneyText(month.total_cost),
            moneyText(month.compensation), percentText(month.actual_compensation_ratio)],
  })));
}

function renderHospitals(body) {
  tableRows($("hospital-table"), body.hospitals.map((hospital) => ({
    attributes: { hospital: hospital.hospital_code },
    cells: [hospital.hospital_code, hospital.name || "–", countText(hospital.settlements || 0),
            hospital.total_cost ? moneyText(hospital.total_cost) : "–",
            hospital.advanced ? moneyText(hospital.advanced) : "–", moneyText(hospital.balance)],
  })));
}

function clearSections() {
  for (const id of ["headline", "payer-chart", "ratio-chart", "retro", "hospital-message"]) $(id).replaceChildren();
  for (const id of ["month-table", "hospital-table"]) $(id).tBodies[0].replaceChildren();
}

let generation = 0; // a newer load (a token typed meanwhile) makes an older one's answers stale

async function load(period) {
  const mine = ++generation;
  clearSections();
  setState("loading", `Loading county ${period.county}, ${period.year}…`);
  const base = `/reports/counties/${encodeURIComponent(period.county)}/${period.year}`;
  let year;
  try {
    year = await report(base); // the first read catches the read models up to the ledger's head
  } catch (error) {
    const denied = error.status === 401 || error.status === 403;
    if (mine === generation) setState(denied ? "denied" : "error", failureText(error));
    return;
  }
  if (mine !== generation) return;
  renderYear(year);
  const months = Array.from({ length: 12 }, (_, index) => report(`${base}?month=${index + 1}&fresh=false`));
  const [monthResults, retro, hospitals] = await Promise.all([
    Promise.all(months).then((value) => ({ value }), (reason) => ({ reason })),
    report(`/reports/retroactive-compensation/summary?county_code=${encodeURIComponent(period.county)}&fresh=false`)
      .then((value) => ({ value }), (reason) => ({ reason })),
    report("/reports/hospitals?fresh=false").then((value) => ({ value }), (reason) => ({ reason })),
  ]);
  if (mine !== generation) return;
  const failed = [monthResults, retro, hospitals].filter((result) => result.reason);
  if (monthResults.value) renderMonths(monthResults.value, period);
  else sectionMessage($("ratio-chart"), monthResults.reason);
  if (retro.value) figureList($("retro"), RETRO, retro.value); else sectionMessage($("retro"), retro.reason);
  if (hospitals.value) renderHospitals(hospitals.value); else sectionMessage($("hospital-message"), hospitals.reason);
  const when = new Date().toLocaleTimeString();
  setState(failed.length ? "partial" : "ready",
           `County ${period.county}, ${period.year}: read models caught up to the ledger at ${when}.` +
           (failed.length ? " Some sections could not be read (see them below)." : ""));
}

function start() {
  adoptTokenFromFragment();
  const period = periodFromAddress();
  $("county-input").value = period.county || DEFAULTS.county;
  $("year-input").value = period.year || DEFAULTS.year;
  $("county-code").textContent = period.county || "–";
  $("year").textContent = period.year || "–";
  const showToken = () => {
    $("token-input").placeholder = currentToken() ? "token kept for this tab" : "dashboard token";
  };
  showToken();
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveToken($("token-input").value);
    $("token-input").value = "";
    showToken();
    if (!period.error) load(period);
  });
  $("forget-token").addEventListener("click", () => {
    forgetToken();
    showToken();
    if (!period.error) load(period);
  });
  if (period.error) {
    setState("invalid", `Bad address: ${period.error}. Nothing was read.`);
    return;
  }
  load(period);
}

start();
