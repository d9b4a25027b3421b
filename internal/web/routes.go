package web

import (
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/web/activitiesweb"
	"github.com/shegong/shegong/internal/web/caseworkweb"
	"github.com/shegong/shegong/internal/web/coreweb"
	"github.com/shegong/shegong/internal/web/exportsweb"
	"github.com/shegong/shegong/internal/web/figuresweb"
	"github.com/shegong/shegong/internal/web/groupsweb"
	"github.com/shegong/shegong/internal/web/kit"
	"github.com/shegong/shegong/internal/web/networkweb"
	"github.com/shegong/shegong/internal/web/recipientsweb"
	"github.com/shegong/shegong/internal/web/referralsweb"
	"github.com/shegong/shegong/internal/web/servicesweb"
	"github.com/shegong/shegong/internal/web/visitsweb"
	"github.com/shegong/shegong/internal/web/workforceweb"
)

// The route index: every route of every module, in one place. Each
// module's block names its handlers, templates, API document and home
// sections; kit.Server.handle checks each route's permission. A new
// module adds one block here (see DEVELOPING.md). `shegong routes`
// prints this table; the route × role matrix test walks it.

// modules lists the blocks in menu order.
func modules(k *kit.Server) []kit.Module {
	return []kit.Module{coreModule(k), recipientsModule(k), visitsModule(k), networkModule(k), workforceModule(k), servicesModule(k), caseworkModule(k), referralsModule(k), activitiesModule(k), groupsModule(k), figuresModule(k), exportsModule(k), pickersModule(k)}
}

// 账号、登录、组织架构、审计、首页、附件
func coreModule(k *kit.Server) kit.Module {
	h := &coreweb.Handlers{Server: k}
	return kit.Module{Name: "core", Templates: coreweb.Templates, OpenAPI: coreweb.OpenAPI,
		Home: []kit.HomeBuilder{h.HomeNetwork, h.HomeAccounts, h.HomeBackup},
		Routes: []kit.Route{
			kit.GET("/healthz", kit.Public, h.Healthz),
			kit.GET("/login", kit.Public, h.LoginPage),
			kit.POST("/login", kit.Public, h.LoginSubmit),
			kit.POST("/logout", authz.PermAccount, h.Logout),
			kit.GET("/account/password", authz.PermAccount, h.PasswordPage),
			kit.POST("/account/password", authz.PermAccount, h.PasswordSubmit),
			kit.GET("/{$}", authz.PermHome, h.Home),
			kit.GET("/users", authz.PermUsersRead, h.UserList),
			kit.GET("/users/new", authz.PermUsersManage, h.UserNew),
			kit.POST("/users", authz.PermUsersManage, h.UserCreate),
			kit.GET("/users/{id}", authz.PermUsersRead, h.UserShow),
			kit.GET("/users/{id}/edit", authz.PermUsersManage, h.UserEdit),
			kit.POST("/users/{id}", authz.PermUsersManage, h.UserUpdate),
			kit.POST("/users/{id}/password", authz.PermUsersManage, h.UserResetPassword),
			kit.GET("/orgs", authz.PermOrgRead, h.OrgList),
			kit.GET("/orgs/new", authz.PermOrgManage, h.OrgNew),
			kit.POST("/orgs", authz.PermOrgManage, h.OrgCreate),
			kit.GET("/orgs/{id}", authz.PermOrgRead, h.OrgShow),
			kit.GET("/orgs/{id}/edit", authz.PermOrgEdit, h.OrgEdit),
			kit.POST("/orgs/{id}", authz.PermOrgEdit, h.OrgUpdate),
			kit.GET("/audit", authz.PermAuditRead, h.AuditList),
			kit.GET("/audit.csv", authz.PermAuditRead, h.AuditExport),
			kit.GET("/account/sessions", authz.PermAccount, h.AccountSessions),
			kit.POST("/account/sessions/{id}/end", authz.PermAccount, h.AccountSessionEnd),
			kit.GET("/account/2fa", authz.PermAccount, h.TwoFactorPage),
			kit.POST("/account/2fa", authz.PermAccount, h.TwoFactorConfirm),
			kit.GET("/users/{id}/sessions", authz.PermSessionsManage, h.UserSessions),
			kit.POST("/users/{id}/unlock", authz.PermUsersUnlock, h.UserUnlock),
			kit.POST("/users/{id}/role", authz.PermRolesGrant, h.UserGrantRole),
			kit.POST("/users/{id}/2fa/reset", authz.PermSecondFactorReset, h.TwoFactorReset),
			kit.GET("/security-policy", authz.PermSecurityPolicy, h.PolicyPage),
			kit.POST("/security-policy", authz.PermSecurityPolicy, h.PolicySubmit),
			kit.GET("/api/v1/sessions", authz.PermAccount, h.ApiSessions),
			kit.DELETE("/api/v1/sessions/{id}", authz.PermAccount, h.ApiSessionEnd),
			kit.POST("/api/v1/account/password", authz.PermAccount, h.ApiChangePassword),
			kit.PUT("/api/v1/users/{id}/role", authz.PermRolesGrant, h.ApiUserGrantRole),
			kit.GET("/api/v1/openapi.json", kit.Public, h.APIDocument),
			kit.POST("/api/v1/login", kit.Public, h.ApiLogin),
			kit.POST("/api/v1/logout", authz.PermAccount, h.ApiLogout),
			kit.GET("/api/v1/me", authz.PermHome, h.ApiMe),
			kit.GET("/api/v1/users", authz.PermUsersRead, h.ApiUsers),
			kit.POST("/api/v1/users", authz.PermUsersManage, h.ApiUserCreate),
			kit.GET("/api/v1/users/{id}", authz.PermUsersRead, h.ApiUser),
			kit.PATCH("/api/v1/users/{id}", authz.PermUsersManage, h.ApiUserUpdate),
			kit.GET("/api/v1/orgs", authz.PermOrgRead, h.ApiOrgs),
			kit.POST("/api/v1/orgs", authz.PermOrgManage, h.ApiOrgCreate),
			kit.GET("/api/v1/orgs/{id}", authz.PermOrgRead, h.ApiOrg),
			kit.PATCH("/api/v1/orgs/{id}", authz.PermOrgEdit, h.ApiOrgUpdate),
			kit.GET("/api/v1/audit", authz.PermAuditRead, h.ApiAudit),
			kit.GET("/api/v1/system/backup", authz.PermSystemRead, h.ApiBackupStatus),
			kit.GET("/attachments/{id}", authz.PermHome, h.AttachmentGet),
			kit.GET("/api/v1/attachments/{id}", authz.PermHome, h.AttachmentGet),
		},
	}
}

// 服务对象、家庭、名册导入
func recipientsModule(k *kit.Server) kit.Module {
	h := &recipientsweb.Handlers{Server: k}
	manage := authz.PermRecipientsManage
	return kit.Module{Name: "recipients", Templates: recipientsweb.Templates, OpenAPI: recipientsweb.OpenAPI,
		Home: []kit.HomeBuilder{h.HomeRecipients},
		Panels: []kit.PersonPanel{
			{Key: "household", Title: "家庭成员", Order: 20, Path: "/recipients/{id}/household"},
			{Key: "timeline", Title: "时间线", Order: 90, Path: "/recipients/{id}/timeline"},
			{Key: "assignments", Title: "志愿者任务", Order: 30, Path: "/recipients/{id}/assignments"},
		},
		Routes: []kit.Route{
			kit.GET("/recipients", authz.PermRecipientsRead, h.RecipientList),
			kit.GET("/recipients/new", authz.PermRecipientsManage, h.RecipientNew),
			kit.POST("/recipients", authz.PermRecipientsManage, h.RecipientCreate),
			kit.POST("/recipients/duplicates", authz.PermRecipientsManage, h.RecipientDuplicates),
			kit.POST("/recipients/export", authz.PermRecipientsExport, h.RecipientExport),
			kit.GET("/recipients/{id}", authz.PermRecipientsRead, h.RecipientShow),
			kit.GET("/recipients/{id}/edit", authz.PermRecipientsManage, h.RecipientEdit),
			kit.POST("/recipients/{id}", authz.PermRecipientsManage, h.RecipientUpdate),
			kit.POST("/recipients/{id}/reveal", authz.PermRecipientsReveal, h.RecipientReveal),
			kit.GET("/recipients/{id}/household", authz.PermHouseholdsRead, h.HouseholdPanel),
			kit.POST("/recipients/{id}/household", authz.PermRecipientsManage, h.RecipientHouseholdAdd),
			kit.GET("/recipients/{id}/timeline", authz.PermRecipientsTimeline, h.TimelinePanel),
			kit.GET("/api/v1/recipients/{id}/timeline", authz.PermRecipientsTimeline, h.APITimeline),
			kit.POST("/recipients/{id}/household/remove", authz.PermRecipientsManage, h.RecipientHouseholdRemove),
			kit.GET("/recipient-categories", authz.PermRecipientsCategories, h.RecipientCategories),
			kit.POST("/recipient-categories", authz.PermRecipientsCategories, h.RecipientCategoryAdd),
			kit.POST("/recipient-categories/{id}", authz.PermRecipientsCategories, h.RecipientCategoryToggle),
			kit.GET("/api/v1/recipients", authz.PermRecipientsRead, h.ApiRecipients),
			kit.POST("/api/v1/recipients", authz.PermRecipientsManage, h.ApiRecipientCreate),
			kit.POST("/api/v1/recipients/duplicates", authz.PermRecipientsManage, h.ApiRecipientDuplicates),
			kit.GET("/api/v1/recipients/{id}", authz.PermRecipientsRead, h.ApiRecipient),
			kit.PATCH("/api/v1/recipients/{id}", authz.PermRecipientsManage, h.ApiRecipientUpdate),
			kit.POST("/api/v1/recipients/{id}/reveal", authz.PermRecipientsReveal, h.ApiRecipientReveal),
			kit.GET("/api/v1/recipient-categories", authz.PermRecipientsRead, h.ApiRecipientCategories),
			kit.GET("/api/v1/households", authz.PermHouseholdsRead, h.ApiHouseholds),
			kit.POST("/api/v1/households", authz.PermRecipientsManage, h.ApiHouseholdCreate),
			kit.GET("/api/v1/households/{id}", authz.PermHouseholdsRead, h.ApiHousehold),
			kit.PATCH("/api/v1/households/{id}", authz.PermRecipientsManage, h.ApiHouseholdUpdate),
			kit.GET("/recipients/import", manage, h.RecipientImportPage),
			kit.GET("/recipients/import/template.xlsx", manage, h.RecipientImportTemplate),
			kit.POST("/recipients/import", manage, h.RecipientImportUpload).Upload(recipientsweb.UploadLimit()),
			kit.POST("/recipients/import/{id}/commit", manage, h.RecipientImportCommit),
			kit.GET("/recipients/import/{id}/rejected.xlsx", manage, h.RecipientImportRejected),
			kit.POST("/api/v1/recipients/import", manage, h.ApiRecipientImport).Upload(recipientsweb.UploadLimit()),
			kit.GET("/households", authz.PermHouseholdsRead, h.HouseholdList),
			kit.GET("/households/{id}", authz.PermHouseholdsRead, h.HouseholdShow),
			kit.GET("/recipients/{id}/assignments", authz.PermRecipientsAssign, h.AssignmentsPanel),
			kit.POST("/recipients/{id}/assignments", authz.PermRecipientsAssign, h.AssignmentCreate),
			kit.POST("/recipients/{id}/assignments/{aid}/end", authz.PermRecipientsAssign, h.AssignmentEnd),
			kit.GET("/api/v1/recipients/{id}/assignments", authz.PermRecipientsAssign, h.ApiAssignments),
			kit.POST("/api/v1/recipients/{id}/assignments", authz.PermRecipientsAssign, h.ApiAssignmentCreate),
			kit.POST("/api/v1/recipients/{id}/assignments/{aid}/end", authz.PermRecipientsAssign, h.ApiAssignmentEnd),
			kit.POST("/recipients/{id}/consent-scan", authz.PermRecipientsManage, h.RecipientConsentScan).Upload(attach.MaxUploadBody),
			kit.GET("/handover", authz.PermRecipientsHandover, h.HandoverPage),
			kit.POST("/handover", authz.PermRecipientsHandover, h.HandoverSubmit),
			kit.POST("/api/v1/handover", authz.PermRecipientsHandover, h.ApiHandover),
			kit.POST("/recipient-retention", authz.PermRecipientsCategories, h.RecipientRetentionSet),
			kit.GET("/api/v1/recipient-retention", authz.PermRecipientsCategories, h.ApiRecipientRetention),
			kit.PUT("/api/v1/recipient-retention", authz.PermRecipientsCategories, h.ApiRecipientRetentionSet),
		},
	}
}

// 服务网络：社工站、社工室、机构、覆盖、标准化
func networkModule(k *kit.Server) kit.Module {
	h := &networkweb.Handlers{Server: k}
	return kit.Module{Name: "network", Templates: networkweb.Templates, OpenAPI: networkweb.OpenAPI,
		Home: []kit.HomeBuilder{h.HomeCoverage},
		Routes: []kit.Route{
			kit.GET("/network/stations", authz.PermNetworkRead, h.StationList),
			kit.GET("/network/stations/new", authz.PermNetworkManage, h.StationNew),
			kit.POST("/network/stations", authz.PermNetworkManage, h.StationCreate),
			kit.GET("/network/stations/{id}", authz.PermNetworkRead, h.StationShow),
			kit.GET("/network/stations/{id}/edit", authz.PermNetworkEdit, h.StationEdit),
			kit.POST("/network/stations/{id}", authz.PermNetworkEdit, h.StationUpdate),
			kit.POST("/network/stations/{id}/active", authz.PermNetworkManage, h.StationSetActive),
			kit.POST("/network/stations/{id}/delete", authz.PermNetworkManage, h.StationDelete),
			kit.GET("/network/stations/{id}/assessments/new", authz.PermNetworkAssess, h.AssessmentNew),
			kit.POST("/network/stations/{id}/assessments", authz.PermNetworkAssess, h.AssessmentCreate).Upload(attach.MaxUploadBody),
			kit.GET("/network/assessments/{id}", authz.PermNetworkRead, h.AssessmentShow),
			kit.GET("/network/rooms", authz.PermNetworkRead, h.RoomList),
			kit.GET("/network/rooms/new", authz.PermNetworkManage, h.RoomNew),
			kit.POST("/network/rooms", authz.PermNetworkManage, h.RoomCreate),
			kit.GET("/network/rooms/{id}", authz.PermNetworkRead, h.RoomShow),
			kit.GET("/network/rooms/{id}/edit", authz.PermNetworkEdit, h.RoomEdit),
			kit.POST("/network/rooms/{id}", authz.PermNetworkEdit, h.RoomUpdate),
			kit.POST("/network/rooms/{id}/delete", authz.PermNetworkManage, h.RoomDelete),
			kit.GET("/network/divisions/options", authz.PermNetworkRead, h.DivisionOptions),
			kit.GET("/network/organisations", authz.PermNetworkRead, h.OrganisationList),
			kit.GET("/network/organisations/new", authz.PermNetworkManage, h.OrganisationNew),
			kit.POST("/network/organisations", authz.PermNetworkManage, h.OrganisationCreate),
			kit.GET("/network/organisations/{id}", authz.PermNetworkRead, h.OrganisationShow),
			kit.GET("/network/organisations/{id}/edit", authz.PermNetworkManage, h.OrganisationEdit),
			kit.POST("/network/organisations/{id}", authz.PermNetworkManage, h.OrganisationUpdate),
			kit.POST("/network/organisations/{id}/delete", authz.PermNetworkManage, h.OrganisationDelete),
			kit.GET("/network/checklist", authz.PermNetworkRead, h.ChecklistPage),
			kit.POST("/network/checklist", authz.PermNetworkAssess, h.ChecklistAdd),
			kit.POST("/network/checklist/{id}", authz.PermNetworkAssess, h.ChecklistUpdate),
			kit.GET("/network/coverage", authz.PermNetworkCoverage, h.CoveragePage),
			kit.GET("/network/coverage.xlsx", authz.PermNetworkCoverage, h.CoverageExport),
			kit.GET("/api/v1/stations", authz.PermNetworkRead, h.ApiStations),
			kit.POST("/api/v1/stations", authz.PermNetworkManage, h.ApiStationCreate),
			kit.GET("/api/v1/stations/{id}", authz.PermNetworkRead, h.ApiStation),
			kit.PATCH("/api/v1/stations/{id}", authz.PermNetworkEdit, h.ApiStationUpdate),
			kit.DELETE("/api/v1/stations/{id}", authz.PermNetworkManage, h.ApiStationDelete),
			kit.GET("/api/v1/stations/{id}/assessments", authz.PermNetworkRead, h.ApiAssessments),
			kit.POST("/api/v1/stations/{id}/assessments", authz.PermNetworkAssess, h.ApiAssessmentCreate),
			kit.GET("/api/v1/assessments/{id}", authz.PermNetworkRead, h.ApiAssessment),
			kit.GET("/api/v1/rooms", authz.PermNetworkRead, h.ApiRooms),
			kit.POST("/api/v1/rooms", authz.PermNetworkManage, h.ApiRoomCreate),
			kit.GET("/api/v1/rooms/{id}", authz.PermNetworkRead, h.ApiRoom),
			kit.PATCH("/api/v1/rooms/{id}", authz.PermNetworkEdit, h.ApiRoomUpdate),
			kit.DELETE("/api/v1/rooms/{id}", authz.PermNetworkManage, h.ApiRoomDelete),
			kit.GET("/api/v1/organisations", authz.PermNetworkRead, h.ApiOrganisations),
			kit.POST("/api/v1/organisations", authz.PermNetworkManage, h.ApiOrganisationCreate),
			kit.GET("/api/v1/organisations/{id}", authz.PermNetworkRead, h.ApiOrganisation),
			kit.PATCH("/api/v1/organisations/{id}", authz.PermNetworkManage, h.ApiOrganisationUpdate),
			kit.DELETE("/api/v1/organisations/{id}", authz.PermNetworkManage, h.ApiOrganisationDelete),
			kit.GET("/api/v1/divisions", authz.PermNetworkRead, h.ApiDivisions),
			kit.GET("/api/v1/divisions/{code}", authz.PermNetworkRead, h.ApiDivision),
			kit.GET("/api/v1/checklist", authz.PermNetworkRead, h.ApiChecklist),
			kit.GET("/api/v1/coverage", authz.PermNetworkCoverage, h.ApiCoverage),
		},
	}
}

// 探访排查
func visitsModule(k *kit.Server) kit.Module {
	h := &visitsweb.Handlers{Server: k}
	return kit.Module{Name: "visits", Templates: visitsweb.Templates, OpenAPI: visitsweb.OpenAPI,
		Home:   []kit.HomeBuilder{h.HomeVisits},
		Panels: []kit.PersonPanel{{Key: "visits", Title: "探访记录", Order: 10, Path: "/recipients/{id}/visits"}},
		Routes: []kit.Route{
			kit.GET("/visits", authz.PermVisitsRead, h.VisitList),
			kit.GET("/visits/new", authz.PermVisitsWrite, h.VisitNew),
			kit.GET("/visits/pick", authz.PermVisitsWrite, h.VisitPick),
			kit.POST("/visits", authz.PermVisitsWrite, h.VisitCreate).Upload(visitsweb.UploadLimit),
			kit.GET("/visits/due", authz.PermVisitsRead, h.VisitDue),
			kit.POST("/visits/due/export", authz.PermVisitsExport, h.VisitDueExport),
			kit.GET("/visits/overview", authz.PermVisitsStats, h.VisitOverview),
			kit.GET("/visits/{id}", authz.PermVisitsRead, h.VisitShow),
			kit.GET("/visits/{id}/edit", authz.PermVisitsWrite, h.VisitEdit),
			kit.POST("/visits/{id}", authz.PermVisitsWrite, h.VisitUpdate).Upload(visitsweb.UploadLimit),
			kit.GET("/recipients/{id}/visits", authz.PermVisitsRead, h.VisitPanel),
			kit.POST("/recipients/{id}/major-changes", authz.PermVisitsWrite, h.MajorChangeReport),
			kit.GET("/visit-campaigns", authz.PermVisitsRead, h.CampaignList),
			kit.GET("/visit-campaigns/new", authz.PermVisitsPlan, h.CampaignNew),
			kit.POST("/visit-campaigns", authz.PermVisitsPlan, h.CampaignCreate),
			kit.GET("/visit-campaigns/{id}", authz.PermVisitsRead, h.CampaignShow),
			kit.GET("/visit-campaigns/{id}/edit", authz.PermVisitsPlan, h.CampaignEdit),
			kit.POST("/visit-campaigns/{id}", authz.PermVisitsPlan, h.CampaignUpdate),
			kit.GET("/visit-rules", authz.PermVisitsRules, h.RulesPage),
			kit.POST("/visit-rules", authz.PermVisitsRules, h.RulesSave),
			kit.GET("/api/v1/visits", authz.PermVisitsRead, h.ApiVisits),
			kit.POST("/api/v1/visits", authz.PermVisitsWrite, h.ApiVisitCreate),
			kit.GET("/api/v1/visits/due", authz.PermVisitsRead, h.ApiVisitsDue),
			kit.GET("/api/v1/visits/due/counts", authz.PermVisitsStats, h.ApiVisitsDueCounts),
			kit.GET("/api/v1/visits/{id}", authz.PermVisitsRead, h.ApiVisit),
			kit.PUT("/api/v1/visits/{id}", authz.PermVisitsWrite, h.ApiVisitUpdate),
			kit.GET("/api/v1/visits/{id}/photos", authz.PermVisitsRead, h.ApiVisitPhotos),
			kit.POST("/api/v1/visits/{id}/photos", authz.PermVisitsWrite, h.ApiVisitPhotoUpload).Upload(attach.MaxUploadBody),
			kit.GET("/api/v1/campaigns", authz.PermVisitsRead, h.ApiCampaigns),
			kit.POST("/api/v1/campaigns", authz.PermVisitsPlan, h.ApiCampaignCreate),
			kit.GET("/api/v1/campaigns/{id}", authz.PermVisitsRead, h.ApiCampaign),
			kit.PUT("/api/v1/campaigns/{id}", authz.PermVisitsPlan, h.ApiCampaignUpdate),
			kit.GET("/api/v1/recipients/{id}/visit-plan", authz.PermVisitsRead, h.ApiVisitPlan),
			kit.POST("/api/v1/recipients/{id}/major-changes", authz.PermVisitsWrite, h.ApiMajorChangeReport),
			kit.GET("/api/v1/visit-rules", authz.PermVisitsRead, h.ApiVisitRules),
			kit.PUT("/api/v1/visit-rules", authz.PermVisitsRules, h.ApiVisitRulesSave),
			kit.POST("/visits/{id}/delete", authz.PermVisitsCorrect, h.VisitDelete),
			kit.DELETE("/api/v1/visits/{id}", authz.PermVisitsCorrect, h.ApiVisitDelete),
		},
	}
}

// 人才队伍
func workforceModule(k *kit.Server) kit.Module {
	h := &workforceweb.Handlers{Server: k}
	read, manage, progs := authz.PermWorkforceRead, authz.PermWorkforceManage, authz.PermWorkforceProgrammes
	return kit.Module{Name: "workforce", Templates: workforceweb.Templates, OpenAPI: workforceweb.OpenAPI,
		Home: []kit.HomeBuilder{h.HomeWorkforce},
		Routes: []kit.Route{
			kit.GET("/workforce/workers", read, h.WfWorkerList),
			kit.POST("/workforce/workers/export", read, h.WfWorkerExport),
			kit.GET("/workforce/workers/new", manage, h.WfWorkerNew),
			kit.POST("/workforce/workers", manage, h.WfWorkerCreate),
			kit.GET("/workforce/workers/{id}", read, h.WfWorkerShow),
			kit.GET("/workforce/workers/{id}/edit", manage, h.WfWorkerEdit),
			kit.POST("/workforce/workers/{id}", manage, h.WfWorkerUpdate),
			kit.POST("/workforce/workers/{id}/reveal", authz.PermWorkforceReveal, h.WfWorkerReveal),
			kit.POST("/workforce/workers/{id}/qualifications", manage, h.WfQualificationAdd),
			kit.POST("/workforce/workers/{id}/qualifications/{qid}/delete", manage, h.WfQualificationDelete),
			kit.GET("/workforce/import", manage, h.WfImportPage),
			kit.GET("/workforce/import/template.xlsx", manage, h.WfImportTemplate),
			kit.POST("/workforce/import", manage, h.WfImportUpload).Upload(workforceweb.UploadLimit()),
			kit.POST("/workforce/import/{id}/commit", manage, h.WfImportCommit),
			kit.GET("/workforce/import/{id}/rejected.xlsx", manage, h.WfImportRejected),
			kit.GET("/workforce/volunteers", read, h.WfVolunteerList),
			kit.GET("/workforce/volunteers/new", manage, h.WfVolunteerNew),
			kit.POST("/workforce/volunteers", manage, h.WfVolunteerCreate),
			kit.GET("/workforce/volunteers/{id}", read, h.WfVolunteerShow),
			kit.GET("/workforce/volunteers/{id}/edit", manage, h.WfVolunteerEdit),
			kit.POST("/workforce/volunteers/{id}", manage, h.WfVolunteerUpdate),
			kit.POST("/workforce/volunteers/{id}/hours", manage, h.WfHoursAdd),
			kit.GET("/workforce/trainings", read, h.WfTrainingList),
			kit.GET("/workforce/trainings/new", manage, h.WfTrainingNew),
			kit.POST("/workforce/trainings", manage, h.WfTrainingCreate),
			kit.GET("/workforce/trainings/{id}", read, h.WfTrainingShow),
			kit.POST("/workforce/trainings/{id}/attendees", manage, h.WfAttendeeAdd),
			kit.POST("/workforce/trainings/{id}/attendees/remove", manage, h.WfAttendeeRemove),
			kit.GET("/workforce/programmes", read, h.WfProgrammeList),
			kit.GET("/workforce/programmes/new", progs, h.WfProgrammeNew),
			kit.POST("/workforce/programmes", progs, h.WfProgrammeCreate),
			kit.GET("/workforce/programmes/{id}", read, h.WfProgrammeShow),
			kit.POST("/workforce/programmes/{id}/rounds", progs, h.WfRoundAdd),
			kit.POST("/workforce/rounds/{id}/nominees", progs, h.WfNomineeAdd),
			kit.POST("/workforce/nominees/{id}/status", progs, h.WfNomineeStatus),
			kit.POST("/workforce/nominees/{id}/allowance", progs, h.WfAllowanceCreate),
			kit.POST("/workforce/allowance-lines/{id}/paid", progs, h.WfLinePaid),
			kit.GET("/workforce/allowances", read, h.WfAllowanceList),
			kit.GET("/workforce/stats", read, h.WfStats),
			kit.GET("/workforce/stats.xlsx", read, h.WfStatsExport),
			kit.GET("/api/v1/workforce/workers", read, h.ApiWfWorkers),
			kit.POST("/api/v1/workforce/workers", manage, h.ApiWfWorkerCreate),
			kit.GET("/api/v1/workforce/workers/{id}", read, h.ApiWfWorker),
			kit.PUT("/api/v1/workforce/workers/{id}", manage, h.ApiWfWorkerUpdate),
			kit.POST("/api/v1/workforce/workers/{id}/reveal", authz.PermWorkforceReveal, h.ApiWfWorkerReveal),
			kit.POST("/api/v1/workforce/workers/{id}/qualifications", manage, h.ApiWfQualificationAdd),
			kit.DELETE("/api/v1/workforce/workers/{id}/qualifications/{qid}", manage, h.ApiWfQualificationDelete),
			kit.POST("/api/v1/workforce/import", manage, h.ApiWfImport).Upload(workforceweb.UploadLimit()),
			kit.GET("/api/v1/workforce/volunteers", read, h.ApiWfVolunteers),
			kit.POST("/api/v1/workforce/volunteers", manage, h.ApiWfVolunteerCreate),
			kit.GET("/api/v1/workforce/volunteers/{id}", read, h.ApiWfVolunteer),
			kit.PUT("/api/v1/workforce/volunteers/{id}/account", manage, h.ApiWfVolunteerAccount),
			kit.POST("/workforce/volunteers/{id}/account", manage, h.WfVolunteerAccountSet),
			kit.PUT("/api/v1/workforce/volunteers/{id}", manage, h.ApiWfVolunteerUpdate),
			kit.POST("/api/v1/workforce/volunteers/{id}/hours", manage, h.ApiWfHoursAdd),
			kit.GET("/api/v1/workforce/trainings", read, h.ApiWfTrainings),
			kit.POST("/api/v1/workforce/trainings", manage, h.ApiWfTrainingCreate),
			kit.GET("/api/v1/workforce/trainings/{id}", read, h.ApiWfTraining),
			kit.POST("/api/v1/workforce/trainings/{id}/attendees", manage, h.ApiWfAttendeeAdd),
			kit.GET("/api/v1/workforce/programmes", read, h.ApiWfProgrammes),
			kit.POST("/api/v1/workforce/programmes", progs, h.ApiWfProgrammeCreate),
			kit.GET("/api/v1/workforce/programmes/{id}", read, h.ApiWfProgramme),
			kit.POST("/api/v1/workforce/programmes/{id}/rounds", progs, h.ApiWfRoundAdd),
			kit.POST("/api/v1/workforce/rounds/{id}/nominees", progs, h.ApiWfNomineeAdd),
			kit.PATCH("/api/v1/workforce/nominees/{id}", progs, h.ApiWfNomineeUpdate),
			kit.POST("/api/v1/workforce/nominees/{id}/allowance", progs, h.ApiWfAllowanceCreate),
			kit.GET("/api/v1/workforce/allowance-lines", read, h.ApiWfLines),
			kit.PATCH("/api/v1/workforce/allowance-lines/{id}", progs, h.ApiWfLineUpdate),
			kit.GET("/api/v1/workforce/stats", read, h.ApiWfStats),
			kit.GET("/workforce/trainings/{id}/edit", manage, h.WfTrainingEdit),
			kit.POST("/workforce/trainings/{id}", manage, h.WfTrainingUpdate),
			kit.POST("/workforce/trainings/{id}/delete", manage, h.WfTrainingDelete),
			kit.GET("/workforce/programmes/{id}/edit", progs, h.WfProgrammeEdit),
			kit.POST("/workforce/programmes/{id}", progs, h.WfProgrammeUpdate),
			kit.POST("/workforce/programmes/{id}/delete", progs, h.WfProgrammeDelete),
			kit.PUT("/api/v1/workforce/trainings/{id}", manage, h.ApiWfTrainingUpdate),
			kit.DELETE("/api/v1/workforce/trainings/{id}", manage, h.ApiWfTrainingDelete),
			kit.DELETE("/api/v1/workforce/trainings/{id}/attendees/{kind}/{pid}", manage, h.ApiWfAttendeeRemove),
			kit.PUT("/api/v1/workforce/programmes/{id}", progs, h.ApiWfProgrammeUpdate),
			kit.DELETE("/api/v1/workforce/programmes/{id}", progs, h.ApiWfProgrammeDelete),
			kit.GET("/api/v1/workforce/workers/{id}/honours", authz.PermWorkforceRead, h.ApiWfWorkerHonours),
			kit.POST("/workforce/volunteers/{id}/hours/{hid}", authz.PermWorkforceHoursCorrect, h.WfHoursCorrect),
			kit.POST("/workforce/volunteers/{id}/hours/{hid}/delete", authz.PermWorkforceHoursCorrect, h.WfHoursDelete),
			kit.PUT("/api/v1/workforce/volunteers/{id}/hours/{hid}", authz.PermWorkforceHoursCorrect, h.ApiWfHoursCorrect),
			kit.DELETE("/api/v1/workforce/volunteers/{id}/hours/{hid}", authz.PermWorkforceHoursCorrect, h.ApiWfHoursDelete),
		},
	}
}

// 统计指标：期间指标的数值与明细
func figuresModule(k *kit.Server) kit.Module {
	h := &figuresweb.Handlers{Server: k}
	return kit.Module{Name: "figures", Templates: figuresweb.Templates, OpenAPI: figuresweb.OpenAPI,
		Routes: []kit.Route{
			kit.GET("/figures", authz.PermFiguresRead, h.List),
			kit.GET("/figures/{key}", authz.PermFiguresRead, h.Show),
			kit.GET("/api/v1/figures", authz.PermFiguresRead, h.APIList),
			kit.GET("/api/v1/figures/{key}", authz.PermFiguresRead, h.APIShow),
		},
	}
}

// 服务记录
func servicesModule(k *kit.Server) kit.Module {
	h := &servicesweb.Handlers{Server: k}
	read, write := authz.PermServicesRead, authz.PermServicesWrite
	return kit.Module{Name: "services", Templates: servicesweb.Templates, OpenAPI: servicesweb.OpenAPI,
		Routes: []kit.Route{
			kit.GET("/services", read, h.List),
			kit.GET("/services/new", write, h.New),
			kit.POST("/services", write, h.Create),
			kit.GET("/services/{id}", read, h.Show),
			kit.GET("/api/v1/services", read, h.ApiList),
			kit.POST("/api/v1/services", write, h.ApiCreate),
			kit.GET("/api/v1/services/{id}", read, h.ApiGet),
			kit.PUT("/api/v1/services/{id}", write, h.ApiUpdate),
			kit.GET("/api/v1/service-categories", read, h.ApiCategories),
			kit.PUT("/api/v1/service-categories", authz.PermServicesCategories, h.ApiCategoriesSave),
			kit.GET("/service-categories", authz.PermServicesCategories, h.CategoriesPage),
			kit.POST("/service-categories", authz.PermServicesCategories, h.CategoriesSave),
		},
	}
}

// 个案工作
func caseworkModule(k *kit.Server) kit.Module {
	h := &caseworkweb.Handlers{Server: k}
	read, write, approve, settings := authz.PermCaseworkRead, authz.PermCaseworkWrite, authz.PermCaseworkApprove, authz.PermCaseworkSettings
	return kit.Module{Name: "casework", Templates: caseworkweb.Templates, OpenAPI: caseworkweb.OpenAPI,
		Home: []kit.HomeBuilder{h.HomeCasework},
		Routes: []kit.Route{
			kit.GET("/cases", read, h.List),
			kit.GET("/cases/tasks", read, h.Tasks),
			kit.GET("/cases/approvals", approve, h.Approvals),
			kit.GET("/cases/new", write, h.New),
			kit.GET("/cases/new/visits", write, h.NewVisits),
			kit.POST("/cases", write, h.Create),
			kit.GET("/cases/{id}", read, h.Show),
			kit.GET("/cases/{id}/print/{form}", read, h.Print),
			kit.POST("/cases/{id}/decision", write, h.Decide).Upload(attach.MaxUploadBody),
			kit.POST("/cases/{id}/assessments", write, h.Assess),
			kit.POST("/cases/{id}/plan", write, h.SavePlan),
			kit.POST("/cases/{id}/plan/submit", write, h.SubmitPlan),
			kit.POST("/cases/{id}/logs", write, h.AddLog),
			kit.POST("/cases/{id}/evaluations", write, h.Evaluate),
			kit.POST("/cases/{id}/closure", write, h.Close),
			kit.POST("/cases/{id}/reopen", write, h.Reopen),
			kit.POST("/case-approvals/{id}", approve, h.Answer),
			kit.GET("/case-logs/{id}", read, h.LogPage),
			kit.GET("/api/v1/cases", read, h.ApiList),
			kit.POST("/api/v1/cases", write, h.ApiCreate),
			kit.GET("/api/v1/cases/{id}", read, h.ApiGet),
			kit.GET("/api/v1/cases/{id}/file", read, h.ApiFile),
			kit.POST("/api/v1/cases/{id}/decision", write, h.ApiDecide),
			kit.POST("/api/v1/cases/{id}/assessments", write, h.ApiAssess),
			kit.PUT("/api/v1/cases/{id}/plan", write, h.ApiPlan),
			kit.POST("/api/v1/cases/{id}/plan/submit", write, h.ApiSubmitPlan),
			kit.POST("/api/v1/cases/{id}/logs", write, h.ApiLog),
			kit.POST("/api/v1/cases/{id}/evaluations", write, h.ApiEvaluate),
			kit.POST("/api/v1/cases/{id}/closure", write, h.ApiClose),
			kit.POST("/api/v1/cases/{id}/reopen", write, h.ApiReopen),
			kit.GET("/api/v1/case-approvals", approve, h.ApiPending),
			kit.POST("/api/v1/case-approvals/{id}", approve, h.ApiAnswer),
			kit.GET("/api/v1/case-tasks", read, h.ApiTasks),
			kit.GET("/api/v1/case-settings", read, h.ApiSettings),
			kit.PUT("/api/v1/case-settings", settings, h.ApiSettingsSave),
			kit.PUT("/api/v1/supervisor-stations", settings, h.ApiSupervisor),
			kit.GET("/case-settings", settings, h.SettingsPage),
			kit.POST("/case-settings", settings, h.SettingsSave),
			kit.GET("/supervisor-stations", settings, h.SupervisorsPage),
			kit.POST("/supervisor-stations", settings, h.SupervisorSave),
		},
	}
}

// 转介与资源目录
func referralsModule(k *kit.Server) kit.Module {
	h := &referralsweb.Handlers{Server: k}
	read, write, manage := authz.PermReferralsRead, authz.PermReferralsWrite, authz.PermAgenciesManage
	return kit.Module{Name: "referrals", Templates: referralsweb.Templates, OpenAPI: referralsweb.OpenAPI,
		Routes: []kit.Route{
			kit.GET("/referrals", read, h.List),
			kit.GET("/referrals/new", write, h.New),
			kit.POST("/referrals", write, h.Create).Upload(attach.MaxUploadBody),
			kit.GET("/referrals/{id}", read, h.Show),
			kit.POST("/referrals/{id}/status", write, h.Move),
			kit.GET("/agencies", read, h.Agencies),
			kit.POST("/agencies", manage, h.AgencyCreate),
			kit.GET("/api/v1/referrals", read, h.ApiList),
			kit.POST("/api/v1/referrals", write, h.ApiCreate),
			kit.GET("/api/v1/referrals/{id}", read, h.ApiGet),
			kit.POST("/api/v1/referrals/{id}/status", write, h.ApiMove),
			kit.GET("/api/v1/agencies", read, h.ApiAgencies),
			kit.POST("/api/v1/agencies", manage, h.ApiAgencyCreate),
			kit.PUT("/api/v1/agencies/{id}", manage, h.ApiAgencyUpdate),
		},
	}
}

// 社区活动 · 政策宣讲 · 月度主题
func activitiesModule(k *kit.Server) kit.Module {
	h := &activitiesweb.Handlers{Server: k}
	read, write, themes := authz.PermActivitiesRead, authz.PermActivitiesWrite, authz.PermActivitiesThemes
	return kit.Module{Name: "activities", Templates: activitiesweb.Templates, OpenAPI: activitiesweb.OpenAPI,
		Home: []kit.HomeBuilder{h.HomeActivities, h.HomeMyService},
		Routes: []kit.Route{
			kit.GET("/my-service", authz.PermHome, h.MyService),
			kit.GET("/activities", read, h.Calendar),
			kit.GET("/activities/grid", read, h.Grid),
			kit.GET("/activities/list", read, h.List),
			kit.GET("/activities/new", write, h.New),
			kit.POST("/activities", write, h.Create),
			kit.POST("/activities/themes", write, h.Theme),
			kit.POST("/activities/county-themes", themes, h.Theme),
			kit.GET("/activity-participants/{id}", read, h.Participant),
			kit.GET("/activities/{id}", read, h.Show),
			kit.GET("/activities/{id}/print", read, h.Print),
			kit.GET("/activities/{id}/record", write, h.RecordForm),
			kit.POST("/activities/{id}/record", write, h.Record),
			kit.POST("/activities/{id}/cancel", write, h.Cancel),
			kit.POST("/activities/{id}/postpone", write, h.Postpone),
			kit.POST("/activities/{id}/archive", write, h.Archive),
			kit.POST("/activities/{id}/photos", write, h.Photo).Upload(12 << 20),
			kit.GET("/api/v1/activities", read, h.ApiList),
			kit.POST("/api/v1/activities", write, h.ApiCreate),
			kit.GET("/api/v1/activities/{id}", read, h.ApiGet),
			kit.PUT("/api/v1/activities/{id}", write, h.ApiUpdate),
			kit.POST("/api/v1/activities/{id}/hold", write, h.ApiHold),
			kit.POST("/api/v1/activities/{id}/cancel", write, h.ApiCancel),
			kit.POST("/api/v1/activities/{id}/postpone", write, h.ApiPostpone),
			kit.POST("/api/v1/activities/{id}/archive", write, h.ApiArchive),
			kit.GET("/api/v1/activity-calendar", read, h.ApiCalendar),
			kit.GET("/api/v1/activity-grid", read, h.ApiGrid),
			kit.GET("/api/v1/activity-themes", read, h.ApiThemes),
			kit.PUT("/api/v1/activity-themes", write, h.ApiSetStationTheme),
			kit.PUT("/api/v1/county-themes", themes, h.ApiSetCountyTheme),
		},
	}
}

// 小组工作
func groupsModule(k *kit.Server) kit.Module {
	h := &groupsweb.Handlers{Server: k}
	read, write, settings := authz.PermGroupsRead, authz.PermGroupsWrite, authz.PermGroupsSettings
	return kit.Module{Name: "groups", Templates: groupsweb.Templates, OpenAPI: groupsweb.OpenAPI,
		Routes: []kit.Route{
			kit.GET("/groups", read, h.List),
			kit.GET("/groups/new", write, h.New),
			kit.POST("/groups", write, h.Create),
			kit.GET("/groups/{id}", read, h.Show),
			kit.GET("/groups/{id}/print", read, h.PrintPlan),
			kit.POST("/groups/{id}/advance", write, h.Advance),
			kit.POST("/groups/{id}/cancel", write, h.Cancel),
			kit.POST("/groups/{id}/finish", write, h.Finish),
			kit.POST("/groups/{id}/members", write, h.AddMember),
			kit.GET("/groups/{id}/sessions/new", write, h.NewSession),
			kit.POST("/groups/{id}/sessions", write, h.CreateSession),
			kit.POST("/group-members/{id}/left", write, h.MemberLeft),
			kit.POST("/group-members/{id}/measure", write, h.Measure),
			kit.GET("/group-sessions/{id}", read, h.ShowSession),
			kit.GET("/group-sessions/{id}/edit", write, h.EditSession),
			kit.POST("/group-sessions/{id}", write, h.UpdateSession),
			kit.GET("/group-sessions/{id}/print", read, h.PrintSession),
			kit.POST("/group-sessions/{id}/photos", write, h.Photo).Upload(12 << 20),
			kit.GET("/group-attendance/{id}", read, h.Attendance),
			kit.GET("/api/v1/groups", read, h.ApiList),
			kit.POST("/api/v1/groups", write, h.ApiCreate),
			kit.GET("/api/v1/groups/{id}", read, h.ApiGet),
			kit.PUT("/api/v1/groups/{id}", write, h.ApiUpdate),
			kit.POST("/api/v1/groups/{id}/advance", write, h.ApiAdvance),
			kit.POST("/api/v1/groups/{id}/cancel", write, h.ApiCancel),
			kit.POST("/api/v1/groups/{id}/finish", write, h.ApiFinish),
			kit.GET("/api/v1/groups/{id}/members", read, h.ApiMembers),
			kit.POST("/api/v1/groups/{id}/members", write, h.ApiAddMember),
			kit.POST("/api/v1/group-members/{id}/left", write, h.ApiMemberLeft),
			kit.POST("/api/v1/group-members/{id}/measure", write, h.ApiMeasure),
			kit.GET("/api/v1/groups/{id}/sessions", read, h.ApiSessions),
			kit.POST("/api/v1/groups/{id}/sessions", write, h.ApiCreateSession),
			kit.GET("/api/v1/group-sessions/{id}", read, h.ApiSession),
			kit.PUT("/api/v1/group-sessions/{id}", write, h.ApiUpdateSession),
			kit.GET("/api/v1/groups/{id}/evaluation", read, h.ApiEvaluation),
			kit.GET("/api/v1/group-scales", read, h.ApiScales),
			kit.POST("/api/v1/group-scales", settings, h.ApiAddScale),
			kit.PUT("/api/v1/group-settings", settings, h.ApiSettings),
		},
	}
}

// 我的导出：后台导出的进度与下载（各模块的导出按钮在条数大时转到这里）
func exportsModule(k *kit.Server) kit.Module {
	h := &exportsweb.Handlers{Server: k}
	return kit.Module{Name: "exports", Templates: exportsweb.Templates, OpenAPI: exportsweb.OpenAPI,
		Routes: []kit.Route{
			kit.GET("/exports", authz.PermExportsOwn, h.List),
			kit.GET("/exports/{id}", authz.PermExportsOwn, h.Show),
			kit.GET("/exports/{id}/progress", authz.PermExportsOwn, h.Progress),
			kit.GET("/exports/{id}/download", authz.PermExportsOwn, h.Download),
			kit.POST("/api/v1/exports", authz.PermExportsOwn, h.APIStart),
			kit.GET("/api/v1/exports", authz.PermExportsOwn, h.APIList),
			kit.GET("/api/v1/exports/{id}", authz.PermExportsOwn, h.APIShow),
			kit.GET("/api/v1/exports/{id}/download", authz.PermExportsOwn, h.Download),
		},
	}
}

// 选择框的查找（kit.Picker）：村（社区）、社工、站点，各在本人辖区内
func pickersModule(k *kit.Server) kit.Module {
	return kit.Module{Name: "pickers",
		Routes: []kit.Route{
			kit.GET(kit.PickerPath(kit.PickVillages), authz.PermOrgRead, k.Pick(kit.PickVillages)),
			kit.GET(kit.PickerPath(kit.PickStations), authz.PermOrgRead, k.Pick(kit.PickStations)),
			kit.GET(kit.PickerPath(kit.PickOrgs), authz.PermOrgRead, k.Pick(kit.PickOrgs)),
			kit.GET(kit.PickerPath(kit.PickWorkers), authz.PermWorkforceRead, k.Pick(kit.PickWorkers)),
			kit.GET(kit.PickerPath(kit.PickAccounts), authz.PermWorkforceManage, k.Pick(kit.PickAccounts)),
			kit.GET(kit.PickerPath(kit.PickNetwork), authz.PermNetworkRead, k.Pick(kit.PickNetwork)),
			kit.GET(kit.PickerPath(kit.PickRecipients), authz.PermRecipientsRead, k.Pick(kit.PickRecipients)),
		},
	}
}
