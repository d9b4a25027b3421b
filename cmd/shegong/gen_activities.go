package main

import (
	"fmt"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
)

// genActivities writes o.activities community activities spread over the
// stations and the two years before next month (the months after today
// planned, a few cancelled, the rest held), a county theme per month,
// and for each held activity the service record of its participants
// (anonymous, counted) and its volunteer minutes.
func (g *generator) genActivities() error {
	if g.o.activities <= 0 || len(g.stations) == 0 {
		return nil
	}
	start := time.Now()
	cols := []string{"id", "version", "org_id", "title", "theme", "kind", "target", "status", "reason", "planned_on", "planned_month", "start_time", "end_time",
		"place", "held_on", "held_month", "male", "female", "children", "youth", "middle", "elders", "participants", "volunteer_minutes", "content",
		"satisfaction", "created_by", "created_at", "updated_at"}
	acts := &batchInsert{table: "activities", cols: cols}
	first := time.Date(g.today.Year(), g.today.Month(), 1, 0, 0, 0, 0, cst.Loc)
	months := 25
	themes := []string{"新春送温暖", "元宵邻里情", "学雷锋志愿服务月", "清明文明祭扫", "关爱妇女健康", "儿童安全与防溺水", "暑期护苗行动", "防范电信诈骗",
		"敬老助老", "重阳敬老月", "消防安全宣传", "冬季送温暖"}
	kinds := []string{"activity", "publicity", "clinic", "festival", "training", "activity"}
	titles := []string{"邻里互助茶话会", "社会救助政策宣讲", "健康义诊进村", "节日联欢", "照护技能培训", "儿童四点半课堂"}
	counties := map[string]bool{}
	now := cst.NowStamp()
	today := cst.Today()
	written := 0
	err := g.a.DB.InTx(g.ctx, func(tx *db.Tx) error {
		for _, st := range g.stations {
			if counties[st.county.ID] {
				continue
			}
			counties[st.county.ID] = true
			for m := -months + 2; m <= 1; m++ {
				month := first.AddDate(0, m, 0)
				if _, err := tx.Exec(g.ctx, `INSERT INTO act_themes (org_id, month, theme, updated_at) VALUES (?, ?, ?, ?)`, st.county.ID,
					month.Format("2006-01"), themes[int(month.Month())-1], now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for written < g.o.activities {
		size := min(g.o.batch*4, g.o.activities-written)
		err := g.a.DB.InTx(g.ctx, func(tx *db.Tx) error {
			for i := 0; i < size; i++ {
				k := written + i
				st := &g.stations[k%len(g.stations)]
				orgID := st.unit.ID
				if len(st.rooms) > 0 && g.rng.IntN(4) == 0 {
					orgID = st.rooms[g.rng.IntN(len(st.rooms))].ID
				}
				month := first.AddDate(0, 1-g.rng.IntN(months), 0)
				day := month.AddDate(0, 0, g.rng.IntN(28))
				date := day.Format(cst.DateLayout)
				kind := g.rng.IntN(len(kinds))
				id := ids.New()
				status, heldOn, heldMonth := "planned", "", ""
				var male, female, ch, yo, mi, el, vmin int
				switch {
				case date >= today:
				case g.rng.IntN(12) == 0:
					status = "cancelled"
				default:
					status, heldOn, heldMonth = "held", date, date[:7]
					if date < first.AddDate(0, -1, 0).Format(cst.DateLayout) {
						status = "archived"
					}
					total := 10 + g.rng.IntN(60)
					male = total * (30 + g.rng.IntN(40)) / 100
					female = total - male
					ch, yo = total/6, total/8
					el = total / 2
					mi = total - ch - yo - el
					vmin = 60 * g.rng.IntN(4)
					stamp := cst.Stamp(day.Add(9 * time.Hour))
					svcKind := "community"
					if kinds[kind] == "publicity" {
						svcKind = "policy"
					}
					g.svc.add(id, 1, orgID, nil, total, svcKind, "participation", stamp, date, 120, "", "", 4, "", 0, "activity", id, "", st.workers[0], stamp, stamp)
				}
				acts.add(id, 1, orgID, titles[kind], themes[int(day.Month())-1], kinds[kind], "辖区居民", status, "", date, date[:7], "09:00", "11:00",
					"活动室", heldOn, heldMonth, male, female, ch, yo, mi, el, male+female, vmin, "", 4, st.workers[0], now, now)
			}
			for _, b := range []*batchInsert{acts, g.svc} {
				n, err := b.flush(g.ctx, tx)
				if err != nil {
					return err
				}
				g.rows += n
			}
			return nil
		})
		if err != nil {
			return err
		}
		written += size
		fmt.Fprintf(g.out, "社区活动 %d / %d（累计用时 %s）\n", written, g.o.activities, time.Since(start).Round(time.Millisecond))
	}
	// The month counts the county grid reads, from what was written.
	return g.a.DB.InTx(g.ctx, func(tx *db.Tx) error { return activities.RecountAll(g.ctx, tx) })
}
