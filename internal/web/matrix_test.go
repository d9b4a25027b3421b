package web_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/authz"
)

// The expected route × role matrix, written out by hand: it is the
// specification that the policy in authz/policy.go must implement. Every
// registered route must appear here. "public" routes need no login.
const (
	admin   = authz.RoleAdmin
	head    = authz.RoleStationHead
	worker  = authz.RoleWorker
	super   = authz.RoleSupervisor
	volun   = authz.RoleVolunteer
	evalu   = authz.RoleEvaluator
	leader  = authz.RoleLeader
	sysadm  = authz.RoleSysAdmin
	secadm  = authz.RoleSecAdmin
	audadm  = authz.RoleAuditAdmin
	public  = authz.Role("public")
	nobody  = authz.Role("nobody") // documents a route no role may use
	anyRole = authz.Role("any")
)

var everyone = []authz.Role{anyRole}

// business is every role of the service network, without the three
// administrators of the system (accounts, security, audit).
var business = []authz.Role{admin, head, worker, super, volun, evalu, leader}

// wfRead are the roles that read the workforce (volunteers do not).
var wfRead = []authz.Role{admin, head, worker, super, evalu, leader}

var expectedMatrix = map[string][]authz.Role{
	// Session and account.
	"GET /healthz":                    {public},
	"GET /login":                      {public},
	"POST /login":                     {public},
	"POST /logout":                    everyone,
	"GET /account/password":           everyone,
	"POST /account/password":          everyone,
	"POST /api/v1/account/password":   everyone,
	"GET /account/2fa":                everyone,
	"POST /account/2fa":               everyone,
	"GET /security-policy":            {secadm},
	"POST /security-policy":           {secadm},
	"POST /users/{id}/2fa/reset":      {secadm},
	"GET /account/sessions":           everyone,
	"POST /account/sessions/{id}/end": everyone,
	"GET /api/v1/sessions":            everyone,
	"DELETE /api/v1/sessions/{id}":    everyone,
	"GET /{$}":                        everyone,
	"GET /attachments/{id}":           everyone,
	"GET /api/v1/attachments/{id}":    everyone,
	"GET /api/v1/openapi.json":        {public},
	"POST /api/v1/login":              {public},
	"POST /api/v1/logout":             everyone,
	"GET /api/v1/me":                  everyone,

	// Organisation tree.
	"GET /orgs":               everyone,
	"GET /orgs/new":           {admin},
	"POST /orgs":              {admin},
	"GET /orgs/{id}":          everyone,
	"GET /orgs/{id}/edit":     {admin, head},
	"POST /orgs/{id}":         {admin, head},
	"GET /api/v1/orgs":        everyone,
	"POST /api/v1/orgs":       {admin},
	"GET /api/v1/orgs/{id}":   everyone,
	"PATCH /api/v1/orgs/{id}": {admin, head},

	// Accounts and audit, kept apart (三权分立): accounts are the system
	// administrator's, roles and locks the security administrator's, the
	// log the audit administrator's; the county administrator has none.
	"GET /users":                  {sysadm, secadm, head},
	"GET /users/new":              {sysadm},
	"POST /users":                 {sysadm},
	"GET /users/{id}":             {sysadm, secadm, head},
	"GET /users/{id}/edit":        {sysadm},
	"POST /users/{id}":            {sysadm},
	"POST /users/{id}/password":   {sysadm},
	"POST /users/{id}/role":       {secadm},
	"POST /users/{id}/unlock":     {secadm},
	"GET /users/{id}/sessions":    {sysadm, secadm},
	"GET /api/v1/users":           {sysadm, secadm, head},
	"POST /api/v1/users":          {sysadm},
	"GET /api/v1/users/{id}":      {sysadm, secadm, head},
	"PATCH /api/v1/users/{id}":    {sysadm},
	"PUT /api/v1/users/{id}/role": {secadm},
	"GET /audit":                  {audadm},
	"GET /audit.csv":              {audadm},
	"GET /api/v1/audit":           {audadm},
	"GET /api/v1/system/backup":   {sysadm, admin},

	// Service recipients (服务对象) and households.
	"GET /recipients":                        {admin, head, worker, super, volun, evalu},
	"GET /recipients/new":                    {admin, head, worker},
	"POST /recipients":                       {admin, head, worker},
	"POST /recipients/duplicates":            {admin, head, worker},
	"POST /recipients/export":                {admin, head, worker, evalu},
	"GET /recipients/{id}":                   {admin, head, worker, super, volun, evalu},
	"GET /recipients/{id}/edit":              {admin, head, worker},
	"POST /recipients/{id}":                  {admin, head, worker},
	"POST /recipients/{id}/reveal":           {admin, head, worker},
	"GET /recipients/{id}/household":         {admin, head, worker, super, evalu},
	"GET /recipients/{id}/timeline":          {admin, head, worker, super, evalu},
	"GET /api/v1/recipients/{id}/timeline":   {admin, head, worker, super, evalu},
	"POST /recipients/{id}/household":        {admin, head, worker},
	"POST /recipients/{id}/household/remove": {admin, head, worker},
	"GET /recipient-categories":              {admin},
	"POST /recipient-categories":             {admin},
	"POST /recipient-categories/{id}":        {admin},
	"GET /api/v1/recipients":                 {admin, head, worker, super, volun, evalu},
	"POST /api/v1/recipients":                {admin, head, worker},
	"POST /api/v1/recipients/duplicates":     {admin, head, worker},
	"GET /api/v1/recipients/{id}":            {admin, head, worker, super, volun, evalu},
	"PATCH /api/v1/recipients/{id}":          {admin, head, worker},
	"POST /api/v1/recipients/{id}/reveal":    {admin, head, worker},
	"GET /api/v1/recipient-categories":       {admin, head, worker, super, volun, evalu},
	"GET /api/v1/households":                 {admin, head, worker, super, evalu},
	"POST /api/v1/households":                {admin, head, worker},
	"GET /api/v1/households/{id}":            {admin, head, worker, super, evalu},
	"PATCH /api/v1/households/{id}":          {admin, head, worker},
	"GET /households":                        {admin, head, worker, super, evalu},
	"GET /households/{id}":                   {admin, head, worker, super, evalu},
	"POST /recipients/{id}/consent-scan":     {admin, head, worker},
	"GET /handover":                          {admin, head},
	"POST /handover":                         {admin, head},
	"POST /api/v1/handover":                  {admin, head},
	"POST /recipient-retention":              {admin},
	"GET /api/v1/recipient-retention":        {admin},
	"PUT /api/v1/recipient-retention":        {admin},
	// Volunteers' assignments: station heads (and the county administrator).
	"GET /recipients/{id}/assignments":                   {admin, head},
	"POST /recipients/{id}/assignments":                  {admin, head},
	"POST /recipients/{id}/assignments/{aid}/end":        {admin, head},
	"GET /api/v1/recipients/{id}/assignments":            {admin, head},
	"POST /api/v1/recipients/{id}/assignments":           {admin, head},
	"POST /api/v1/recipients/{id}/assignments/{aid}/end": {admin, head},

	// Roster import of service recipients (internal/web/recipients_import.go).
	"GET /recipients/import":                    {admin, head, worker},
	"GET /recipients/import/template.xlsx":      {admin, head, worker},
	"POST /recipients/import":                   {admin, head, worker},
	"POST /recipients/import/{id}/commit":       {admin, head, worker},
	"GET /recipients/import/{id}/rejected.xlsx": {admin, head, worker},
	"POST /api/v1/recipients/import":            {admin, head, worker},

	// Service network (internal/web/network*.go).
	"GET /network/stations":                      everyone,
	"GET /network/stations/new":                  {admin},
	"POST /network/stations":                     {admin},
	"GET /network/stations/{id}":                 everyone,
	"GET /network/stations/{id}/edit":            {admin, head},
	"POST /network/stations/{id}":                {admin, head},
	"POST /network/stations/{id}/active":         {admin},
	"POST /network/stations/{id}/delete":         {admin},
	"GET /network/stations/{id}/assessments/new": {admin},
	"POST /network/stations/{id}/assessments":    {admin},
	"GET /network/assessments/{id}":              everyone,
	"GET /network/rooms":                         everyone,
	"GET /network/rooms/new":                     {admin},
	"POST /network/rooms":                        {admin},
	"GET /network/rooms/{id}":                    everyone,
	"GET /network/rooms/{id}/edit":               {admin, head},
	"POST /network/rooms/{id}":                   {admin, head},
	"POST /network/rooms/{id}/delete":            {admin},
	"GET /network/divisions/options":             everyone,
	"GET /network/organisations":                 everyone,
	"GET /network/organisations/new":             {admin},
	"POST /network/organisations":                {admin},
	"GET /network/organisations/{id}":            everyone,
	"GET /network/organisations/{id}/edit":       {admin},
	"POST /network/organisations/{id}":           {admin},
	"POST /network/organisations/{id}/delete":    {admin},
	"GET /network/checklist":                     everyone,
	"POST /network/checklist":                    {admin},
	"POST /network/checklist/{id}":               {admin},
	"GET /network/coverage":                      {admin, super, evalu, leader},
	"GET /network/coverage.xlsx":                 {admin, super, evalu, leader},
	"GET /api/v1/stations":                       everyone,
	"POST /api/v1/stations":                      {admin},
	"GET /api/v1/stations/{id}":                  everyone,
	"PATCH /api/v1/stations/{id}":                {admin, head},
	"DELETE /api/v1/stations/{id}":               {admin},
	"GET /api/v1/stations/{id}/assessments":      everyone,
	"POST /api/v1/stations/{id}/assessments":     {admin},
	"GET /api/v1/assessments/{id}":               everyone,
	"GET /api/v1/rooms":                          everyone,
	"POST /api/v1/rooms":                         {admin},
	"GET /api/v1/rooms/{id}":                     everyone,
	"PATCH /api/v1/rooms/{id}":                   {admin, head},
	"DELETE /api/v1/rooms/{id}":                  {admin},
	"GET /api/v1/organisations":                  everyone,
	"POST /api/v1/organisations":                 {admin},
	"GET /api/v1/organisations/{id}":             everyone,
	"PATCH /api/v1/organisations/{id}":           {admin},
	"DELETE /api/v1/organisations/{id}":          {admin},
	"GET /api/v1/divisions":                      everyone,
	"GET /api/v1/divisions/{code}":               everyone,
	"GET /api/v1/checklist":                      everyone,
	"GET /api/v1/coverage":                       {admin, super, evalu, leader},

	// The workforce (队伍建设).
	"POST /workforce/workers/export":                             wfRead,
	"GET /workforce/workers":                                     wfRead,
	"GET /workforce/workers/new":                                 {admin, head},
	"POST /workforce/workers":                                    {admin, head},
	"GET /workforce/workers/{id}":                                wfRead,
	"GET /workforce/workers/{id}/edit":                           {admin, head},
	"POST /workforce/workers/{id}":                               {admin, head},
	"POST /workforce/workers/{id}/reveal":                        {admin, head},
	"POST /workforce/workers/{id}/qualifications":                {admin, head},
	"POST /workforce/workers/{id}/qualifications/{qid}/delete":   {admin, head},
	"GET /workforce/import":                                      {admin, head},
	"GET /workforce/import/template.xlsx":                        {admin, head},
	"POST /workforce/import":                                     {admin, head},
	"POST /workforce/import/{id}/commit":                         {admin, head},
	"GET /workforce/import/{id}/rejected.xlsx":                   {admin, head},
	"GET /workforce/volunteers":                                  wfRead,
	"GET /workforce/volunteers/new":                              {admin, head},
	"POST /workforce/volunteers":                                 {admin, head},
	"GET /workforce/volunteers/{id}":                             wfRead,
	"GET /workforce/volunteers/{id}/edit":                        {admin, head},
	"POST /workforce/volunteers/{id}":                            {admin, head},
	"POST /workforce/volunteers/{id}/hours":                      {admin, head},
	"GET /workforce/trainings":                                   wfRead,
	"GET /workforce/trainings/new":                               {admin, head},
	"POST /workforce/trainings":                                  {admin, head},
	"GET /workforce/trainings/{id}":                              wfRead,
	"POST /workforce/trainings/{id}/attendees":                   {admin, head},
	"POST /workforce/trainings/{id}/attendees/remove":            {admin, head},
	"GET /workforce/programmes":                                  wfRead,
	"GET /workforce/programmes/new":                              {admin},
	"POST /workforce/programmes":                                 {admin},
	"GET /workforce/programmes/{id}":                             wfRead,
	"POST /workforce/programmes/{id}/rounds":                     {admin},
	"POST /workforce/rounds/{id}/nominees":                       {admin},
	"POST /workforce/nominees/{id}/status":                       {admin},
	"POST /workforce/nominees/{id}/allowance":                    {admin},
	"POST /workforce/allowance-lines/{id}/paid":                  {admin},
	"GET /workforce/allowances":                                  wfRead,
	"GET /workforce/stats":                                       wfRead,
	"GET /workforce/stats.xlsx":                                  wfRead,
	"GET /api/v1/workforce/workers":                              wfRead,
	"POST /api/v1/workforce/workers":                             {admin, head},
	"GET /api/v1/workforce/workers/{id}":                         wfRead,
	"PUT /api/v1/workforce/workers/{id}":                         {admin, head},
	"POST /api/v1/workforce/workers/{id}/reveal":                 {admin, head},
	"POST /api/v1/workforce/workers/{id}/qualifications":         {admin, head},
	"DELETE /api/v1/workforce/workers/{id}/qualifications/{qid}": {admin, head},
	"POST /api/v1/workforce/import":                              {admin, head},
	"GET /api/v1/workforce/volunteers":                           wfRead,
	"POST /api/v1/workforce/volunteers":                          {admin, head},
	"GET /api/v1/workforce/volunteers/{id}":                      wfRead,
	"PUT /api/v1/workforce/volunteers/{id}/account":              {admin, head},
	"PUT /api/v1/workforce/volunteers/{id}":                      {admin, head},
	"POST /api/v1/workforce/volunteers/{id}/hours":               {admin, head},
	"POST /workforce/volunteers/{id}/hours/{hid}":                {admin, head},
	"POST /workforce/volunteers/{id}/hours/{hid}/delete":         {admin, head},
	"PUT /api/v1/workforce/volunteers/{id}/hours/{hid}":          {admin, head},
	"DELETE /api/v1/workforce/volunteers/{id}/hours/{hid}":       {admin, head},
	"GET /api/v1/workforce/trainings":                            wfRead,
	"POST /api/v1/workforce/trainings":                           {admin, head},
	"GET /api/v1/workforce/trainings/{id}":                       wfRead,
	"POST /api/v1/workforce/trainings/{id}/attendees":            {admin, head},
	"GET /api/v1/workforce/programmes":                           wfRead,
	"POST /api/v1/workforce/programmes":                          {admin},
	"GET /api/v1/workforce/programmes/{id}":                      wfRead,
	"POST /api/v1/workforce/programmes/{id}/rounds":              {admin},
	"POST /api/v1/workforce/rounds/{id}/nominees":                {admin},
	"PATCH /api/v1/workforce/nominees/{id}":                      {admin},
	"POST /api/v1/workforce/nominees/{id}/allowance":             {admin},
	"GET /api/v1/workforce/allowance-lines":                      wfRead,
	"PATCH /api/v1/workforce/allowance-lines/{id}":               {admin},
	"GET /api/v1/workforce/stats":                                wfRead,

	// Editing and deleting trainings and programmes (workforce_edit.go):
	// the roles of the matching create routes.
	"GET /workforce/trainings/{id}/edit":                             {admin, head},
	"POST /workforce/trainings/{id}":                                 {admin, head},
	"POST /workforce/trainings/{id}/delete":                          {admin, head},
	"GET /workforce/programmes/{id}/edit":                            {admin},
	"POST /workforce/programmes/{id}":                                {admin},
	"POST /workforce/programmes/{id}/delete":                         {admin},
	"PUT /api/v1/workforce/trainings/{id}":                           {admin, head},
	"DELETE /api/v1/workforce/trainings/{id}":                        {admin, head},
	"DELETE /api/v1/workforce/trainings/{id}/attendees/{kind}/{pid}": {admin, head},
	"PUT /api/v1/workforce/programmes/{id}":                          {admin},
	"DELETE /api/v1/workforce/programmes/{id}":                       {admin},
	"GET /api/v1/workforce/workers/{id}/honours":                     wfRead,

	// Screening visits (internal/web/visits*.go). Volunteers go on visits
	// but read no visit records; leaders see counts only.
	"GET /visits":                                {admin, head, worker, super, evalu},
	"GET /visits/new":                            {admin, head, worker},
	"GET /visits/pick":                           {admin, head, worker},
	"POST /visits":                               {admin, head, worker},
	"GET /visits/due":                            {admin, head, worker, super, evalu},
	"GET /figures":                               wfRead,
	"GET /figures/{key}":                         wfRead,
	"GET /api/v1/figures":                        wfRead,
	"GET /api/v1/figures/{key}":                  wfRead,
	"GET /visits/overview":                       {admin, head, worker, super, evalu, leader},
	"GET /visits/{id}":                           {admin, head, worker, super, evalu},
	"GET /visits/{id}/edit":                      {admin, head, worker},
	"POST /visits/{id}":                          {admin, head, worker},
	"GET /recipients/{id}/visits":                {admin, head, worker, super, evalu},
	"POST /recipients/{id}/major-changes":        {admin, head, worker},
	"GET /visit-campaigns":                       {admin, head, worker, super, evalu},
	"GET /visit-campaigns/new":                   {admin, head},
	"POST /visit-campaigns":                      {admin, head},
	"GET /visit-campaigns/{id}":                  {admin, head, worker, super, evalu},
	"GET /visit-campaigns/{id}/edit":             {admin, head},
	"POST /visit-campaigns/{id}":                 {admin, head},
	"GET /visit-rules":                           {admin},
	"POST /visit-rules":                          {admin},
	"GET /api/v1/visits":                         {admin, head, worker, super, evalu},
	"POST /api/v1/visits":                        {admin, head, worker},
	"GET /api/v1/visits/due":                     {admin, head, worker, super, evalu},
	"GET /api/v1/visits/due/counts":              {admin, head, worker, super, evalu, leader},
	"GET /api/v1/visits/{id}":                    {admin, head, worker, super, evalu},
	"GET /api/v1/visits/{id}/photos":             {admin, head, worker, super, evalu},
	"POST /api/v1/visits/{id}/photos":            {admin, head, worker},
	"PUT /api/v1/visits/{id}":                    {admin, head, worker},
	"POST /visits/{id}/delete":                   {admin, head, worker},
	"DELETE /api/v1/visits/{id}":                 {admin, head, worker},
	"GET /api/v1/campaigns":                      {admin, head, worker, super, evalu},
	"POST /api/v1/campaigns":                     {admin, head},
	"GET /api/v1/campaigns/{id}":                 {admin, head, worker, super, evalu},
	"PUT /api/v1/campaigns/{id}":                 {admin, head},
	"GET /api/v1/recipients/{id}/visit-plan":     {admin, head, worker, super, evalu},
	"POST /api/v1/recipients/{id}/major-changes": {admin, head, worker},
	"GET /api/v1/visit-rules":                    {admin, head, worker, super, evalu},
	"PUT /api/v1/visit-rules":                    {admin},

	// Service records (服务记录).
	"GET /services":                  {admin, head, worker, super, evalu},
	"GET /services/new":              {admin, head, worker},
	"POST /services":                 {admin, head, worker},
	"GET /services/{id}":             {admin, head, worker, super, evalu},
	"GET /api/v1/services":           {admin, head, worker, super, evalu},
	"POST /api/v1/services":          {admin, head, worker},
	"GET /api/v1/services/{id}":      {admin, head, worker, super, evalu},
	"PUT /api/v1/services/{id}":      {admin, head, worker},
	"GET /api/v1/service-categories": {admin, head, worker, super, evalu},
	"PUT /api/v1/service-categories": {admin},
	"GET /service-categories":        {admin},
	"POST /service-categories":       {admin},

	// Casework (个案). Content is further restricted to the case's workers,
	// the station head and the station's supervisor (casework.Open).
	"GET /cases":                          {admin, head, worker, super, leader},
	"GET /cases/tasks":                    {admin, head, worker, super, leader},
	"GET /cases/approvals":                {admin, head, super},
	"GET /cases/new":                      {head, worker},
	"GET /cases/new/visits":               {head, worker},
	"POST /cases":                         {head, worker},
	"GET /cases/{id}":                     {admin, head, worker, super, leader},
	"GET /cases/{id}/print/{form}":        {admin, head, worker, super, leader},
	"POST /cases/{id}/decision":           {head, worker},
	"POST /cases/{id}/assessments":        {head, worker},
	"POST /cases/{id}/plan":               {head, worker},
	"POST /cases/{id}/plan/submit":        {head, worker},
	"POST /cases/{id}/logs":               {head, worker},
	"POST /cases/{id}/evaluations":        {head, worker},
	"POST /cases/{id}/closure":            {head, worker},
	"POST /cases/{id}/reopen":             {head, worker},
	"POST /case-approvals/{id}":           {admin, head, super},
	"GET /case-logs/{id}":                 {admin, head, worker, super, leader},
	"GET /api/v1/cases":                   {admin, head, worker, super, leader},
	"POST /api/v1/cases":                  {head, worker},
	"GET /api/v1/cases/{id}":              {admin, head, worker, super, leader},
	"GET /api/v1/cases/{id}/file":         {admin, head, worker, super, leader},
	"POST /api/v1/cases/{id}/decision":    {head, worker},
	"POST /api/v1/cases/{id}/assessments": {head, worker},
	"PUT /api/v1/cases/{id}/plan":         {head, worker},
	"POST /api/v1/cases/{id}/plan/submit": {head, worker},
	"POST /api/v1/cases/{id}/logs":        {head, worker},
	"POST /api/v1/cases/{id}/evaluations": {head, worker},
	"POST /api/v1/cases/{id}/closure":     {head, worker},
	"POST /api/v1/cases/{id}/reopen":      {head, worker},
	"GET /api/v1/case-approvals":          {admin, head, super},
	"POST /api/v1/case-approvals/{id}":    {admin, head, super},
	"GET /api/v1/case-tasks":              {admin, head, worker, super, leader},
	"GET /api/v1/case-settings":           {admin, head, worker, super, leader},
	"PUT /api/v1/case-settings":           {admin},
	"PUT /api/v1/supervisor-stations":     {admin},
	"GET /case-settings":                  {admin},
	"POST /case-settings":                 {admin},
	"GET /supervisor-stations":            {admin},
	"POST /supervisor-stations":           {admin},

	// Referrals (转介) and the directory of agencies.
	"GET /referrals":                     {admin, head, worker, super, leader},
	"GET /referrals/new":                 {head, worker},
	"POST /referrals":                    {head, worker},
	"GET /referrals/{id}":                {admin, head, worker, super, leader},
	"POST /referrals/{id}/status":        {head, worker},
	"GET /agencies":                      {admin, head, worker, super, leader},
	"POST /agencies":                     {admin, head},
	"GET /api/v1/referrals":              {admin, head, worker, super, leader},
	"POST /api/v1/referrals":             {head, worker},
	"GET /api/v1/referrals/{id}":         {admin, head, worker, super, leader},
	"POST /api/v1/referrals/{id}/status": {head, worker},
	"GET /api/v1/agencies":               {admin, head, worker, super, leader},
	"POST /api/v1/agencies":              {admin, head},
	"PUT /api/v1/agencies/{id}":          {admin, head},
	// Community activities, policy publicity and monthly themes.
	"GET /my-service":                       everyone,
	"GET /activities":                       business,
	"GET /activities/grid":                  business,
	"GET /activities/list":                  business,
	"GET /activities/new":                   {head, worker},
	"POST /activities":                      {head, worker},
	"POST /activities/themes":               {head, worker},
	"POST /activities/county-themes":        {admin},
	"GET /activity-participants/{id}":       business,
	"GET /activities/{id}":                  business,
	"GET /activities/{id}/print":            business,
	"GET /activities/{id}/record":           {head, worker},
	"POST /activities/{id}/record":          {head, worker},
	"POST /activities/{id}/cancel":          {head, worker},
	"POST /activities/{id}/postpone":        {head, worker},
	"POST /activities/{id}/archive":         {head, worker},
	"POST /activities/{id}/photos":          {head, worker},
	"GET /api/v1/activities":                business,
	"POST /api/v1/activities":               {head, worker},
	"GET /api/v1/activities/{id}":           business,
	"PUT /api/v1/activities/{id}":           {head, worker},
	"POST /api/v1/activities/{id}/hold":     {head, worker},
	"POST /api/v1/activities/{id}/cancel":   {head, worker},
	"POST /api/v1/activities/{id}/postpone": {head, worker},
	"POST /api/v1/activities/{id}/archive":  {head, worker},
	"GET /api/v1/activity-calendar":         business,
	"GET /api/v1/activity-grid":             business,
	"GET /api/v1/activity-themes":           business,
	"PUT /api/v1/activity-themes":           {head, worker},
	"PUT /api/v1/county-themes":             {admin},

	// Group work (小组工作).
	"GET /groups":                             {admin, head, worker, super, evalu, leader},
	"GET /groups/new":                         {head, worker},
	"POST /groups":                            {head, worker},
	"GET /groups/{id}":                        {admin, head, worker, super, evalu, leader},
	"GET /groups/{id}/print":                  {admin, head, worker, super, evalu, leader},
	"POST /groups/{id}/advance":               {head, worker},
	"POST /groups/{id}/cancel":                {head, worker},
	"POST /groups/{id}/finish":                {head, worker},
	"POST /groups/{id}/members":               {head, worker},
	"GET /groups/{id}/sessions/new":           {head, worker},
	"POST /groups/{id}/sessions":              {head, worker},
	"POST /group-members/{id}/left":           {head, worker},
	"POST /group-members/{id}/measure":        {head, worker},
	"GET /group-sessions/{id}":                {admin, head, worker, super, evalu, leader},
	"GET /group-sessions/{id}/edit":           {head, worker},
	"POST /group-sessions/{id}":               {head, worker},
	"POST /group-sessions/{id}/photos":        {head, worker},
	"GET /group-sessions/{id}/print":          {admin, head, worker, super, evalu, leader},
	"GET /group-attendance/{id}":              {admin, head, worker, super, evalu, leader},
	"GET /api/v1/groups":                      {admin, head, worker, super, evalu, leader},
	"POST /api/v1/groups":                     {head, worker},
	"GET /api/v1/groups/{id}":                 {admin, head, worker, super, evalu, leader},
	"PUT /api/v1/groups/{id}":                 {head, worker},
	"POST /api/v1/groups/{id}/advance":        {head, worker},
	"POST /api/v1/groups/{id}/cancel":         {head, worker},
	"POST /api/v1/groups/{id}/finish":         {head, worker},
	"GET /api/v1/groups/{id}/members":         {admin, head, worker, super, evalu, leader},
	"POST /api/v1/groups/{id}/members":        {head, worker},
	"POST /api/v1/group-members/{id}/left":    {head, worker},
	"POST /api/v1/group-members/{id}/measure": {head, worker},
	"GET /api/v1/groups/{id}/sessions":        {admin, head, worker, super, evalu, leader},
	"POST /api/v1/groups/{id}/sessions":       {head, worker},
	"GET /api/v1/group-sessions/{id}":         {admin, head, worker, super, evalu, leader},
	"PUT /api/v1/group-sessions/{id}":         {head, worker},
	"GET /api/v1/groups/{id}/evaluation":      {admin, head, worker, super, evalu, leader},
	"GET /api/v1/group-scales":                {admin, head, worker, super, evalu, leader},
	"POST /api/v1/group-scales":               {admin},
	"PUT /api/v1/group-settings":              {admin},
	"POST /visits/due/export":                 {admin, head},

	// Background exports (我的导出): one's own jobs; starting one needs
	// the module's export permission too.
	"GET /exports":                      {admin, head, worker, super, evalu, leader},
	"GET /exports/{id}":                 {admin, head, worker, super, evalu, leader},
	"GET /exports/{id}/progress":        {admin, head, worker, super, evalu, leader},
	"GET /exports/{id}/download":        {admin, head, worker, super, evalu, leader},
	"POST /api/v1/exports":              {admin, head, worker, super, evalu, leader},
	"GET /api/v1/exports":               {admin, head, worker, super, evalu, leader},
	"GET /api/v1/exports/{id}":          {admin, head, worker, super, evalu, leader},
	"GET /api/v1/exports/{id}/download": {admin, head, worker, super, evalu, leader},

	// Pickers' searches (kit.Picker), each in the caller's scope.
	"GET /pick/villages":         everyone,
	"GET /pick/stations":         everyone,
	"GET /pick/orgs":             everyone,
	"GET /pick/workers":          wfRead,
	"GET /pick/accounts":         {admin, head},
	"GET /pick/network-stations": everyone,
	"GET /pick/recipients":       {admin, head, worker, super, volun, evalu},

	// A volunteer's login account, from their page.
	"POST /workforce/volunteers/{id}/account": {admin, head},
}

func allowed(roles []authz.Role, r authz.Role) bool {
	for _, x := range roles {
		if x == r || x == anyRole || x == public {
			return true
		}
	}
	return false
}

// concretePath fills path wildcards with an ID that exists nowhere, so an
// allowed request reaches its handler (and gets 404 or 422) while a
// forbidden one is stopped before it.
func concretePath(pattern string) string {
	p := strings.TrimSuffix(pattern, "{$}")
	for {
		i := strings.Index(p, "{")
		if i < 0 {
			return p
		}
		j := strings.Index(p[i:], "}")
		p = p[:i] + "01890000-0000-7000-8000-000000000000" + p[i+j+1:]
	}
}

func TestRouteRoleMatrix(t *testing.T) {
	env := apptest.Start(t)
	routes := env.Server.Routes()

	// Every route is in the matrix, and the matrix names no route that
	// does not exist.
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		roles, ok := expectedMatrix[key]
		if !ok {
			t.Errorf("route %s is not in the expected matrix (internal/web/matrix_test.go)", key)
			continue
		}
		if (rt.Perm == "") != (len(roles) == 1 && roles[0] == public) {
			t.Errorf("route %s: public in the matrix = %v, but its permission is %q", key, roles[0] == public, rt.Perm)
		}
	}
	var stale []string
	for key := range expectedMatrix {
		if !seen[key] {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	for _, key := range stale {
		t.Errorf("the matrix lists %s, which is not a route", key)
	}

	users := map[authz.Role]string{admin: "admin", head: "zhanzhang", worker: "shegong", super: "dudao", volun: "zhiyuan", evalu: "pinggu", leader: "lingdao",
		sysadm: "sysadmin", secadm: "secadmin", audadm: "auditadmin"}
	// Logging out ends the client's session: those routes go last.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.HasSuffix(routes[i].Pattern, "/logout") && strings.HasSuffix(routes[j].Pattern, "/logout")
	})
	for _, role := range authz.Roles {
		web := env.LoginDemo(users[role])
		api := env.APILoginDemo(users[role])
		for _, rt := range routes {
			want := expectedMatrix[rt.Method+" "+rt.Pattern]
			if want == nil || rt.Perm == "" {
				continue
			}
			path := concretePath(rt.Pattern)
			var res *apptest.Response
			if rt.API() {
				res = api.Request(rt.Method, path, "application/json", strings.NewReader("{}"))
			} else if rt.Method == http.MethodGet {
				res = web.Get(path)
			} else {
				res = web.PostForm(path, url.Values{})
			}
			denied := res.Status == http.StatusForbidden && (strings.Contains(res.Body, "您的角色无权进行此操作"))
			if allowed(want, role) && (denied || res.Status == http.StatusUnauthorized) {
				t.Errorf("%s %s as %s: want allowed, got %d", rt.Method, path, role.Label(), res.Status)
			}
			if !allowed(want, role) && !denied {
				t.Errorf("%s %s as %s: want 403 forbidden, got %d", rt.Method, path, role.Label(), res.Status)
			}
		}
	}

	// Without a login every non-public route refuses: pages redirect to
	// the login page, the API answers 401.
	anon := env.NewClient()
	for _, rt := range routes {
		if rt.Perm == "" {
			continue
		}
		path := concretePath(rt.Pattern)
		res := anon.Request(rt.Method, path, "application/json", strings.NewReader("{}"))
		switch {
		case rt.API() && res.Status != http.StatusUnauthorized:
			t.Errorf("anonymous %s %s: want 401, got %d", rt.Method, path, res.Status)
		case !rt.API() && rt.Method == http.MethodGet && (res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login")):
			t.Errorf("anonymous %s %s: want redirect to /login, got %d %s", rt.Method, path, res.Status, res.Header.Get("Location"))
		case !rt.API() && rt.Method != http.MethodGet && res.Status != http.StatusUnauthorized:
			t.Errorf("anonymous %s %s: want 401, got %d", rt.Method, path, res.Status)
		}
	}
}
