"""The year-end totals as an xlsx workbook: one row per village, one column per month and per adjustment kind."""
from core.spreadsheets import add_sheet, new_workbook, workbook_bytes

KIND_LABELS = {"bottom": "当月后N名", "bottom_twice": "连续两月后N名", "third_party": "第三方测评",
               "unrectified": "未整改/整改不到位", "model": "典型村", "manual": "其他加减分", "notice": "通报"}
MARK_LABELS = {"reward": "奖励", "deduction": "扣发绩效"}


def year_xlsx(result):
    wb = new_workbook()
    kinds = [k for k in KIND_LABELS if any(a["kind"] == k for r in result["villages"] for a in r["adjustments"])]
    months = result["months"]
    head = ["名次", "行政村代码", "行政村", "街镇",
            *[f"{m}{'（未结）' if m in result['unclosed_months'] else ''}" for m in months],
            "月度平均", *[KIND_LABELS[k] for k in kinds], "年度总成绩", "标记", "加减分明细"]
    ws = add_sheet(wb, f"{result['year']}年度考核", head, widths=[None, 15, 14], freeze="E2", wrap=True)
    for r in result["villages"]:
        by_kind = {k: round(sum(a["points"] for a in r["adjustments"] if a["kind"] == k), 2) for k in kinds}
        detail = "；".join(f"{a['month'] or '年度'} {a['reason']}（{a['points']:+g}）" for a in r["adjustments"])
        ws.append([r["rank"], r["code"], r["name"], r["town_name"], *[r["months"].get(m) for m in months],
                   r.get("mean"), *[by_kind[k] for k in kinds], r["total"] if r["total"] is not None else r["status"],
                   "、".join(MARK_LABELS.get(m, m) for m in r["marks"]), detail])
    return workbook_bytes(wb)
