// The county dashboard: reads the aggregate report endpoints with the bearer token and draws them.
// <body data-state> says where it is: loading | ready | partial (a section failed) | empty (no data for
// the county and year) | denied (401/403) | error | invalid (bad county/year/period in the address).
// No patient ref is ever requested or shown.

import { barChart, clearChart, monthLines } from "./charts.js";
import {
  changeRatioText, changeText, countText, moneyGeometry, moneyText, percentText,
} from "./figures.js";
import { ApiError, failureText } from "./messages.js";
import { adoptTokenFromFragment, authHeaders, currentToken, forgetToken, saveToken } from "./token.js";

const DEFAULTS = { county: "341821", year: "2018", period: "year" };
const PAYERS = [
  { key: "ncms", label: "基本医保（新农合）", colour: "#1f6fb2" },
  { key: "cii", label: "大病保险", colour: "#2e9d5b" },
  { key: "ma", label: "医疗救助", colour: "#d98c1f" },
  { key: "b351", label: "政府兜底“351”", colour: "#8e44ad" },
  { key: "s180", label: "“180”补充医保", colour: "#c0392b" },
  { key: "s5090", label: "“5090”补充保障", colour: "#16a2b8" },
  { key: "reassist", label: "再救助", colour: "#6b7a1f" },
  { key: "hpsi", label: "健康扶贫补充保险", colour: "#0e7490" },
  { key: "charity", label: "慈善医疗救助", colour: "#be185d" },
];
const TOWNSHIP_COLOUR = "#0f766e";
const THIS_YEAR_COLOUR = "#c2410c";
const LAST_YEAR_COLOUR = "#64748b";
const HEADLINE = [
  ["person_times", "就诊人次", "count"],
  ["inpatient_times", "住院人次", "count"],
  ["total_cost", "医疗总费用（元）", "money"],
  ["compensation", "补偿金额（元）", "money"],
  ["patient_share", "个人自付（元）", "money"],
  ["hospital_borne", "医院承担（元）", "money"],
  ["actual_compensation_ratio", "实际补偿比", "ratio"],
  ["in_county_visit_rate", "县域内就诊率", "ratio"],
  ["in_province_inpatient_ratio", "省内住院实际补偿比", "ratio"],
  ["follow_ups", "随访人次", "count"],
  ["major_disease_treatment_rate", "大病救治率", "ratio"],
  ["chronic_contract_rate", "慢病签约率", "ratio"],
  ["health_card_rate", "健康卡发放率", "ratio"],
  ["check_up_rate", "健康体检率", "ratio"],
  ["poor_contract_rate", "家庭医生签约率", "ratio"],
  ["follow_up_schedule_rate", "按规范随访率", "ratio"],
];
const RETRO = [
  ["outstanding", "待补偿（元）", "money"],
  ["settlements_outstanding", "待补偿笔数", "count"],
  ["patients_outstanding", "待补偿人数", "count"],
  ["owed", "应补偿（元）", "money"],
  ["paid", "已补偿（元）", "money"],
];
const REFERENCE = [
  ["person_times", "就诊人次", "count"],
  ["total_cost", "医疗总费用（元）", "money"],
  ["compensation", "补偿金额（元）", "money"],
  ["actual_compensation_ratio", "实际补偿比", "ratio"],
  ["in_county_visit_rate", "县域内就诊率", "ratio"],
  ["in_province_inpatient_ratio", "省内住院实际补偿比", "ratio"],
];
const FORMAT = { count: countText, money: moneyText, ratio: percentText };
const QUARTERS = ["第一季度", "第二季度", "第三季度", "第四季度"];

const $ = (id) => document.getElementById(id);

function setState(state, message) {
  document.body.dataset.state = state;
  $("status").textContent = message;
  $("status").className = `status ${state}`;
}

function periodOptions() {
  const options = [["year", "全年"]];
  for (let m = 1; m <= 12; m += 1) options.push([`m${m}`, `${m}月`]);
  QUARTERS.forEach((name, i) => options.push([`q${i + 1}`, name]));
  return options;
}

/** The period of the address: {county, year, period, cumulative, query (for the reports), name}. */
function periodFromAddress() {
  const query = new URLSearchParams(window.location.search);
  const county = (query.get("county") || DEFAULTS.county).trim();
  const year = (query.get("year") || DEFAULTS.year).trim();
  const period = (query.get("period") || DEFAULTS.period).trim();
  const cumulative = query.get("cumulative") === "1";
  if (!/^[0-9A-Za-z_-]{1,40}$/.test(county)) {
    return { error: `县代码应为区划代码（如 341821），而不是“${county}”` };
  }
  if (!/^\d{4}$/.test(year) || Number(year) < 2000 || Number(year) > 2100) {
    return { error: `年份应在 2000 至 2100 之间，而不是“${year}”` };
  }
  const match = /^(?:year|m(1[0-2]|[1-9])|q([1-4]))$/.exec(period);
  if (!match) return { error: `期间应为全年、某月（m1–m12）或某季度（q1–q4），而不是“${period}”` };
  const params = new URLSearchParams();
  let name = "全年";
  if (match[1]) { params.set("month", match[1]); name = `${match[1]}月`; }
  if (match[2]) { params.set("quarter", match[2]); name = QUARTERS[Number(match[2]) - 1]; }
  if (cumulative && period !== "year") { params.set("cumulative", "true"); name = `年初至${name}末累计`; }
  return { county, year, period, cumulative, query: params.toString(), name };
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

const settled = (promise) => promise.then((value) => ({ value }), (reason) => ({ reason }));
const failure = (error) => failureText(error, Boolean(currentToken()));

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
  message.textContent = typeof error === "string" ? error : failure(error);
  target.replaceChildren(message);
}

/** Rows of a table; each cell gets its column's heading as data-label (the phone layout shows it). */
function tableRows(table, rows) {
  const labels = [...table.tHead.rows[0].cells].map((cell) => cell.textContent);
  table.tBodies[0].replaceChildren(...rows.map(({ attributes, cells, className }) => {
    const tr = document.createElement("tr");
    if (className) tr.className = className;
    for (const [name, value] of Object.entries(attributes)) tr.dataset[name] = value;
    cells.forEach((text, index) => {
      tr.append(Object.assign(document.createElement("td"), { textContent: text }));
      tr.lastChild.dataset.label = labels[index] || "";
    });
    return tr;
  }));
}

function renderPeriod(figures, period) {
  figureList($("headline"), HEADLINE, figures);
  const bars = PAYERS.map((payer) => ({
    ...payer, value: moneyGeometry(figures.compensation_by_payer[payer.key]),
    text: moneyText(figures.compensation_by_payer[payer.key]),
  }));
  barChart($("payer-chart"), bars, `各渠道补偿，${period.county}，${period.year}年${period.name}`);
  tableRows($("payer-table"), bars.map((bar) => ({ attributes: { payer: bar.key }, cells: [bar.label, bar.text] })));
}

function renderTownships(body, period) {
  const townships = body.townships;
  if (!townships.length) {
    clearChart($("township-chart"));
    sectionMessage($("township-chart"), "本期无数据");
  } else {
    barChart($("township-chart"), townships.map((t) => ({
      label: t.township, colour: TOWNSHIP_COLOUR, value: moneyGeometry(t.compensation), text: moneyText(t.compensation),
    })), `各乡镇补偿，${period.county}，${period.year}年${period.name}`);
  }
  tableRows($("township-table"), townships.map((t) => ({
    attributes: { township: t.township },
    cells: [t.township, countText(t.person_times), moneyText(t.total_cost), moneyText(t.compensation),
            percentText(t.actual_compensation_ratio)],
  })));
}

function renderTrend(trend, restated, period) {
  const restatedMonths = new Set(restated.map((r) => r.month));
  const point = (figures) => (figures
    ? { value: moneyGeometry(figures.compensation), text: moneyText(figures.compensation) }
    : { value: null, text: "无数据" });
  monthLines($("trend-chart"), [
    { name: `${trend.year}年`, colour: THIS_YEAR_COLOUR, points: trend.months.map((m) => point(m.this_year)) },
    { name: `${trend.previous_year}年`, colour: LAST_YEAR_COLOUR, dashed: true,
      points: trend.months.map((m) => point(m.last_year)) },
  ], `逐月补偿金额，${period.county}，${trend.year}年与${trend.previous_year}年`);
  const rows = trend.months.filter((m) => m.this_year || m.last_year);
  tableRows($("month-table"), rows.map((m) => ({
    attributes: { month: String(m.month) },
    className: restatedMonths.has(m.month) ? "restated" : "",
    cells: [
      `${m.month}月`,
      m.this_year ? countText(m.this_year.person_times) : "–",
      m.this_year ? moneyText(m.this_year.total_cost) : "–",
      m.this_year ? moneyText(m.this_year.compensation) : "–",
      m.this_year ? percentText(m.this_year.actual_compensation_ratio) : "–",
      m.last_year ? moneyText(m.last_year.compensation) : "–",
      changeRatioText(m.compensation_change),
      restatedMonths.has(m.month) ? "已追溯调整" : "",
    ],
  })));
}

function beijingTime(iso) {
  const moment = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  return moment.toISOString().slice(0, 16).replace("T", " ");
}

function renderRestatements(rows) {
  if (!rows.length) sectionMessage($("restated-message"), "本年度已关账月份没有追溯调整。");
  tableRows($("restated-table"), rows.map((r) => ({
    attributes: { month: String(r.month), position: String(r.position) },
    cells: [`${r.month}月`, beijingTime(r.recorded_at), countText(r.settlements), changeText(r.compensation_change),
            changeText(r.patient_share_change)],
  })));
}

function renderReference(reference, figures) {
  const [first, last] = reference.months;
  $("reference-title").textContent = `与${reference.county}报告对照（${reference.year}年${first}-${last}月）`;
  $("reference-note").textContent = `${reference.title}；本账本为同期（${reference.year}年${first}月至${last}月累计）的数字。`;
  const rows = REFERENCE.map(([key, label, kind]) => [key, label, kind, figures[key], reference.figures[key]]);
  for (const payer of PAYERS) {
    rows.push([payer.key, payer.label, "money", figures.compensation_by_payer[payer.key],
               reference.figures.compensation_by_payer[payer.key]]);
  }
  tableRows($("reference-table"), rows.map(([key, label, kind, ours, theirs]) => ({
    attributes: { figure: key },
    cells: [label, FORMAT[kind](ours), theirs === null || theirs === undefined ? "未报告" : FORMAT[kind](theirs),
            ratioOf(ours, theirs)],
  })));
  $("reference-card").hidden = false;
}

/** ours / theirs to three places, for reading only (decimal text in, text out; never summed). */
function ratioOf(ours, theirs) {
  if (theirs === null || theirs === undefined || Number(theirs) === 0 || ours === null) return "–";
  return (Number(ours) / Number(theirs)).toFixed(3);
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
  for (const id of ["headline", "retro", "hospital-message", "restated-message"]) $(id).replaceChildren();
  for (const id of ["payer-chart", "township-chart", "trend-chart"]) clearChart($(id));
  for (const table of document.querySelectorAll("table.numbers")) table.tBodies[0].replaceChildren();
  $("reference-card").hidden = true;
}

/** For the layout checks: each chart's box, the page's width against the window's, and how many elements
 * stick out of it. */
function recordLayout() {
  const width = window.innerWidth;
  const outside = [...document.querySelectorAll("body *")].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
  });
  for (const chart of document.querySelectorAll(".chart")) {  // where each chart is on the page, once laid out
    const box = chart.getBoundingClientRect();
    chart.dataset.box = [box.left + window.scrollX, box.top + window.scrollY, box.width, box.height]
      .map((n) => Math.round(n)).join(",");
  }
  document.body.dataset.scrollWidth = String(document.documentElement.scrollWidth);
  document.body.dataset.viewportWidth = String(width);
  document.body.dataset.outside = String(outside.length);
}

let generation = 0; // a newer load (a token typed meanwhile) makes an older one's answers stale

async function load(period) {
  const mine = ++generation;
  clearSections();
  setState("loading", `正在加载 ${period.county} 县 ${period.year} 年${period.name}的数据…`);
  const county = encodeURIComponent(period.county);
  const base = `/reports/counties/${county}/${period.year}`;
  let trend;
  try {
    trend = await report(`${base}/trend`); // the first read catches the read models up to the ledger's head
  } catch (error) {
    const denied = error.status === 401 || error.status === 403;
    if (mine === generation) setState(denied ? "denied" : "error", failure(error));
    return;
  }
  if (mine !== generation) return;
  if (!trend.months.some((m) => m.this_year)) {
    setState("empty", `无数据：${period.county} 县 ${period.year} 年没有任何结算记录（请核对县代码和年份）。`);
    recordLayout();
    return;
  }
  const query = period.query ? `?${period.query}&fresh=false` : "?fresh=false";
  const langxi = period.county === "341821";
  const [figures, townships, restated, retro, hospitals, reference] = await Promise.all([
    settled(report(`${base}${query}`)),
    settled(report(`${base}/townships${query}`)),
    settled(report(`${base}/restatements?fresh=false`)),
    settled(report(`/reports/retroactive-compensation/summary?county_code=${county}&fresh=false`)),
    settled(report("/reports/hospitals?fresh=false")),
    langxi ? settled(report(`/reports/reference-reports/${county}`)) : Promise.resolve({ value: null }),
  ]);
  if (mine !== generation) return;
  let compared = { value: null };
  if (reference.value) {
    const { year, months } = reference.value;
    compared = await settled(report(`/reports/counties/${county}/${year}?month=${months[1]}&cumulative=true&fresh=false`));
    if (mine !== generation) return;
  }
  const failed = [figures, townships, restated, retro, hospitals, reference, compared].filter((r) => r.reason);
  if (figures.value) renderPeriod(figures.value, period); else sectionMessage($("headline"), figures.reason);
  if (townships.value) renderTownships(townships.value, period);
  else sectionMessage($("township-chart"), townships.reason);
  const restatements = restated.value ? restated.value.restatements : [];
  renderTrend(trend, restatements, period);
  if (restated.value) renderRestatements(restatements); else sectionMessage($("restated-message"), restated.reason);
  if (retro.value) figureList($("retro"), RETRO, retro.value); else sectionMessage($("retro"), retro.reason);
  if (hospitals.value) renderHospitals(hospitals.value); else sectionMessage($("hospital-message"), hospitals.reason);
  if (reference.value && compared.value) renderReference(reference.value, compared.value);
  const when = new Date().toLocaleTimeString("zh-CN", { hour12: false });
  setState(failed.length ? "partial" : "ready",
           `${period.county} 县 ${period.year} 年${period.name}：数据已与账本同步（${when}）。` +
           (restatements.length ? `有 ${restatements.length} 笔已关账月份的追溯调整，见下方列表。` : "") +
           (failed.length ? "部分栏目未能读取，原因见各栏目。" : ""));
  recordLayout();
}

function start() {
  adoptTokenFromFragment();
  const period = periodFromAddress();
  const select = $("period-input");
  select.replaceChildren(...periodOptions().map(([value, text]) => Object.assign(document.createElement("option"),
    { value, textContent: text })));
  $("county-input").value = period.county || DEFAULTS.county;
  $("year-input").value = period.year || DEFAULTS.year;
  select.value = period.period || DEFAULTS.period;
  $("cumulative-input").checked = Boolean(period.cumulative);
  $("county-code").textContent = period.county || "–";
  $("year").textContent = period.year || "–";
  $("period-name").textContent = period.name || "–";
  const showToken = () => {
    $("token-input").placeholder = currentToken() ? "本标签页已保存令牌" : "看板令牌";
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
    setState("invalid", `地址有误：${period.error}。未读取任何数据。`);
    recordLayout();
    return;
  }
  load(period);
}

start();
