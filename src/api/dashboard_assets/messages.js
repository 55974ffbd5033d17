// What the page says when something fails: in Chinese, with the API's own words kept for support staff.

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(`${status} ${title}${detail ? `: ${detail}` : ""}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

function said(error) {
  return error.detail ? `（接口返回：${error.detail}）` : "";
}

/** One sentence for a failed report call. `hasToken`: a token was sent. */
export function failureText(error, hasToken) {
  if (error.status === 401 && hasToken) {
    return `令牌无效或已被吊销（401）。请在上方“令牌”处填入有效的看板令牌。${said(error)}`;
  }
  if (error.status === 401) {
    return "尚未登录（401）：本页需要看板令牌。请在上方“令牌”处填入，或在地址末尾加上 #token=…。" + said(error);
  }
  if (error.status === 403) return `此令牌无权查看这些报表（403）。${said(error)}`;
  if (error.status === 404) return `未找到（404）。${said(error)}`;
  if (error.status === 422) return `请求有误（422）。${said(error)}`;
  if (error.status === 503) return `数据暂不可用（503），请稍后再试。${said(error)}`;
  if (error.status === 0) return `无法连接账本接口。${said(error)}`;
  return `账本接口出错（${error.status}）。${said(error)}`;
}
