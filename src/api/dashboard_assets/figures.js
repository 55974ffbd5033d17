// Figures as the API sends them (money "84606.00", ratios "0.8461", counts as integers), formatted
// without ever going through a float: money and ratios are decimal TEXT and stay text.

const MONEY = /^(-?)(\d+)\.(\d{2})$/;
const RATIO = /^(-?)(\d+)(?:\.(\d+))?$/;

function grouped(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "84606.00" -> "84,606.00" (the digits the API sent, grouped by thousands). */
export function moneyText(amount) {
  const match = MONEY.exec(String(amount));
  if (!match) throw new Error(`not a money amount: ${amount}`);
  return `${match[1]}${grouped(match[2])}.${match[3]}`;
}

/** 23559 -> "23,559". */
export function countText(count) {
  if (!Number.isInteger(count)) throw new Error(`not a count: ${count}`);
  return count < 0 ? `-${grouped(String(-count))}` : grouped(String(count));
}

/** "0.8461" -> "84.61 %" (the decimal point moved two places, no rounding); null -> "–". */
export function percentText(ratio) {
  if (ratio === null || ratio === undefined) return "–";
  const match = RATIO.exec(String(ratio));
  if (!match) throw new Error(`not a ratio: ${ratio}`);
  const fraction = (match[3] || "").padEnd(2, "0");
  const whole = (match[2] + fraction.slice(0, 2)).replace(/^0+(?=\d)/, "");
  const rest = fraction.slice(2);
  return `${match[1]}${whole}${rest ? "." + rest : ""} %`;
}

/** A ratio text as a plain number, for chart geometry only (never displayed, never summed). */
export function ratioGeometry(ratio) {
  return ratio === null || ratio === undefined ? null : Number(ratio);
}

/** A money text as a plain number, for chart geometry only (never displayed, never summed). */
export function moneyGeometry(amount) {
  if (!MONEY.test(String(amount))) throw new Error(`not a money amount: ${amount}`);
  return Number(amount);
}

/** "-1728.00" -> "-1,728.00", "1728.00" -> "+1,728.00": a change, its sign always shown. */
export function changeText(amount) {
  const text = moneyText(amount);
  return text.startsWith("-") || /^0\.00$/.test(text) ? text : `+${text}`;
}

/** "0.1234" -> "+12.34 %", "-0.05" -> "-5.00 %"; null -> "–". */
export function changeRatioText(ratio) {
  if (ratio === null || ratio === undefined) return "–";
  const text = percentText(ratio);
  return text.startsWith("-") || text.startsWith("0 ") ? text : `+${text}`;
}
